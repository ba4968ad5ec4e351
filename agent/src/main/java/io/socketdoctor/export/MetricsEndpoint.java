package io.socketdoctor.export;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /metrics} over the JDK's own HTTP server ({@code jdk.httpserver}: no dependency).
 *
 * <p>Its sockets must never be diagnosed as the application's. The listening socket is bound,
 * and the server started, on an agent thread. Exchanges (reading requests, writing responses) run
 * on {@link AgentThreads}. The server's own {@code HTTP-Dispatcher} thread, which accepts and
 * hands over connections, is created inside {@code HttpServer.start()} where no code of ours runs
 * first; it is marked the first time it hands a connection to our executor, and
 * {@link #selfTest} makes that happen at start-up, before the JDK is instrumented (see
 * {@link MetricsExporter#open}). Its timer thread ({@code idle-timeout-task}) stays unmarked: it
 * only closes idle connections, which the tracker never saw opened, and a close does not fail.
 */
final class MetricsEndpoint implements AutoCloseable {

    static final String PATH = "/metrics";

    /** Renders the exposition in the given content type; null while it is not ready. */
    interface Exposition {
        byte[] render(String contentType) throws IOException;
    }

    private final HttpServer server;
    private final ThreadPoolExecutor pool;

    private MetricsEndpoint(HttpServer server, ThreadPoolExecutor pool) {
        this.server = server;
        this.pool = pool;
    }

    /**
     * Binds the address. Call it on an agent thread: a taken port then throws here without being
     * diagnosed as one of the application's failures.
     */
    static MetricsEndpoint bind(InetSocketAddress address, AgentThreads threads) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        // Two threads, gone after 30 s without a scrape, and a short queue: scrapes are rare, and a
        // flood of connections is refused (the server closes what the executor rejects) instead of
        // queued without bound.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(16), threads);
        pool.allowCoreThreadTimeOut(true);
        return new MetricsEndpoint(server, pool);
    }

    /** Serves the exposition; call on an agent thread (the dispatcher is created daemon like its creator). */
    void start(Exposition exposition, Runnable marker) {
        boolean jdkServer = server.getClass().getName().startsWith("sun.net.httpserver.");
        Executor executor = task -> {
            if (jdkServer) {
                marker.run(); // the calling thread is the server's dispatcher
            }
            pool.execute(task);
        };
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, exposition));
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    private static void handle(HttpExchange exchange, Exposition exposition) throws IOException {
        try {
            // A request body is never read: closing the exchange drains a bounded amount, or drops the connection.
            String method = exchange.getRequestMethod();
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                respond(exchange, 404, "text/plain; charset=utf-8", "Socket Doctor serves " + PATH + "\n");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain; charset=utf-8", "GET or HEAD\n");
            } else {
                String type = contentType(exchange.getRequestHeaders().get("Accept"));
                byte[] metrics;
                try {
                    metrics = exposition.render(type);
                } catch (IOException | RuntimeException e) {
                    respond(exchange, 500, "text/plain; charset=utf-8", "socket-doctor: " + e + "\n");
                    return;
                }
                if (metrics == null) {
                    respond(exchange, 503, "text/plain; charset=utf-8", "socket-doctor: starting\n");
                    return;
                }
                send(exchange, 200, type, metrics);
            }
        } finally {
            exchange.close();
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, String text) throws IOException {
        send(exchange, status, type, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        if (exchange.getRequestMethod().equals("HEAD") || body.length == 0) {
            // -1: no body. (A length with HEAD makes the server log a warning into the host's logs; 0 means chunked.)
            exchange.sendResponseHeaders(status, -1);
        } else {
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /** OpenMetrics when the scraper asks for it (Prometheus does), else the Prometheus text format 0.0.4. */
    static String contentType(List<String> accept) {
        if (accept != null) {
            for (String value : accept) {
                if (value.contains("application/openmetrics-text")) {
                    return OpenMetricsTextFormatWriter.CONTENT_TYPE;
                }
            }
        }
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /**
     * One request to ourselves, from the calling agent thread: proves the endpoint answers, and has
     * the dispatcher hand over a connection, which marks it before any other client comes.
     *
     * @return the status line, e.g. {@code HTTP/1.1 200 OK}
     */
    String selfTest() throws IOException {
        InetAddress host = server.getAddress().getAddress();
        if (host.isAnyLocalAddress()) {
            host = InetAddress.getLoopbackAddress();
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, server.getAddress().getPort()), 2000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(("HEAD " + PATH + " HTTP/1.1\r\nHost: socket-doctor\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(64);
            String text = new String(head, StandardCharsets.US_ASCII);
            int end = text.indexOf('\r');
            return end < 0 ? text : text.substring(0, end);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
