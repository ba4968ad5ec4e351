package io.socketdoctor.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request bounds, against real loopback sockets. */
class OtlpHttpTest {

    /**
     * A collector that accepts and never reads: the body fills both sockets' buffers and the write
     * blocks, which no socket timeout ends. The watchdog does, by the request's deadline.
     */
    @Test
    void aWriteThatBlocksIsEndedByItsDeadline() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    accepted.add(server.accept()); // and never reads
                } catch (Exception e) {
                    // closed at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            RequestWatchdog watchdog = new RequestWatchdog();
            Thread watching = new Thread(watchdog, "watchdog");
            watching.setDaemon(true);
            watching.start();
            URL url = new URL("http://127.0.0.1:" + server.getLocalPort() + "/v1/logs");
            byte[] body = new byte[64 * 1024 * 1024]; // far past any loopback socket buffer
            long start = System.nanoTime();
            OtlpHttp.Result result = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> OtlpHttp.post(url, body, 1000, watchdog));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(OtlpHttp.Outcome.RETRY, result.outcome(), result::toString);
            assertTrue(millis < 5000, "ended after " + millis + " ms");
            watchdog.stop();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void noTimeLeftSendsNothing() throws Exception {
        OtlpHttp.Result result = OtlpHttp.post(new URL("http://127.0.0.1:9/v1/logs"), new byte[1], 0,
                new RequestWatchdog());
        assertEquals(OtlpHttp.Outcome.RETRY, result.outcome());
        assertEquals("no time left", result.detail());
    }

    @Test
    void retryAfterIsSecondsAndBounded() {
        assertEquals(5000, OtlpHttp.retryAfter("5"));
        assertEquals(60_000, OtlpHttp.retryAfter("3600"));
        assertEquals(0, OtlpHttp.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
        assertEquals(0, OtlpHttp.retryAfter(null));
    }
}
