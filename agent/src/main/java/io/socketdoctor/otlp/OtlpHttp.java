package io.socketdoctor.otlp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;

/**
 * Posts one OTLP/HTTP protobuf request. {@link HttpURLConnection} because it lives in
 * {@code java.base} and does its I/O on the calling thread, the exporter's agent thread, whose
 * sockets the agent ignores (the JDK's {@code HttpClient} would run them on a selector thread of
 * its own that the agent would take for the application's).
 */
final class OtlpHttp {

    enum Outcome { SENT, RETRY, REJECTED }

    /** What came of a request; {@code detail} says why in words for the one stderr line. */
    record Result(Outcome outcome, String detail, long retryAfterMillis) {
    }

    static final int CONNECT_TIMEOUT_MILLIS = 2000;
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private OtlpHttp() {
    }

    /**
     * @param timeoutMillis the whole request's time: connect, write and answer (the watchdog ends
     *                      a write that blocks; the timeouts bound the connect and each read)
     */
    static Result post(URL url, byte[] body, int timeoutMillis, RequestWatchdog watchdog) {
        if (timeoutMillis <= 0) {
            return new Result(Outcome.RETRY, "no time left", 0);
        }
        HttpURLConnection http = null;
        try {
            // Never the JVM's proxy settings: they are the application's, for its own traffic.
            http = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
            watchdog.begin(http, System.nanoTime() + timeoutMillis * 1_000_000L);
            http.setConnectTimeout(Math.min(CONNECT_TIMEOUT_MILLIS, timeoutMillis));
            http.setReadTimeout(timeoutMillis);
            http.setUseCaches(false);
            http.setInstanceFollowRedirects(false);
            http.setDoOutput(true);
            http.setRequestMethod("POST");
            http.setRequestProperty("Content-Type", "application/x-protobuf");
            http.setRequestProperty("User-Agent", "socket-doctor");
            http.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = http.getOutputStream()) {
                out.write(body);
            }
            int status = http.getResponseCode();
            drain(status >= 400 ? http.getErrorStream() : http.getInputStream());
            if (status >= 200 && status < 300) {
                return new Result(Outcome.SENT, "HTTP " + status, 0);
            }
            // The OTLP specification's retryable answers; the rest will not improve by resending.
            if (status == 429 || status == 502 || status == 503 || status == 504) {
                return new Result(Outcome.RETRY, "HTTP " + status, retryAfter(http.getHeaderField("Retry-After")));
            }
            return new Result(Outcome.REJECTED, "HTTP " + status, 0);
        } catch (IOException | RuntimeException e) {
            if (http != null) {
                http.disconnect(); // a half-read connection must not go back to the keep-alive cache
            }
            return new Result(Outcome.RETRY, e.toString(), 0);
        } finally {
            watchdog.end();
        }
    }

    /** Reads the answer to its end (bounded) so the connection can be reused. */
    private static void drain(InputStream in) throws IOException {
        if (in == null) {
            return;
        }
        try (in) {
            byte[] buffer = new byte[4096];
            int total = 0;
            int n;
            while (total < MAX_RESPONSE_BYTES && (n = in.read(buffer)) > 0) {
                total += n;
            }
        }
    }

    /** {@code Retry-After: 5} in milliseconds, at most a minute; 0 when absent or a date. */
    static long retryAfter(String header) {
        if (header == null) {
            return 0;
        }
        try {
            long seconds = Long.parseLong(header.strip());
            return seconds <= 0 ? 0 : Math.min(seconds, 60) * 1000;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
