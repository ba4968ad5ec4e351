package io.socketdoctor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint over real loopback sockets: paths, methods, content negotiation, and which threads it marks. */
class MetricsEndpointTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Set<String> marked = ConcurrentHashMap.newKeySet();
    private final Runnable marker = () -> marked.add(Thread.currentThread().getName());
    private final AgentThreads threads = new AgentThreads("test-metrics", marker);
    private volatile byte[] body = "metric_a 1.0\n".getBytes(StandardCharsets.UTF_8);
    private volatile String askedFor;
    private MetricsEndpoint endpoint;

    /** Binds and starts on an agent thread, as the exporter does (the dispatcher inherits its daemon flag). */
    private void start() throws Exception {
        MetricsEndpoint[] started = new MetricsEndpoint[1];
        threads.runAndWait(() -> {
            try {
                started[0] = MetricsEndpoint.bind(new InetSocketAddress(LOOPBACK, 0), threads);
                started[0].start(type -> {
                    askedFor = type;
                    return body;
                }, marker);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, 5000);
        endpoint = started[0];
        assertTrue(endpoint != null, "started");
    }

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    /** One request over a plain socket; the whole response as text. */
    private String request(String method, String path, String accept) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(endpoint.address(), 2000);
            socket.setSoTimeout(5000);
            String head = method + " " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
                    + (accept == null ? "" : "Accept: " + accept + "\r\n") + "\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theSelfTestMarksTheServersOwnDispatcherThread() throws Exception {
        start();
        assertTrue(marked.stream().noneMatch(n -> n.startsWith("HTTP-Dispatcher")), marked::toString);
        assertEquals("HTTP/1.1 200 OK", endpoint.selfTest());
        assertTrue(marked.contains("HTTP-Dispatcher"), "the dispatcher handed over a connection: " + marked);
        assertTrue(marked.contains("test-metrics-2"), "exchanges run on marked pool threads: " + marked);
    }

    @Test
    void getMetricsServesTheTextFormatByDefaultAndOpenMetricsWhenAsked() throws Exception {
        start();
        String text = request("GET", "/metrics", null);
        assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), text);
        assertTrue(text.toLowerCase().contains("content-type: " + PrometheusTextFormatWriter.CONTENT_TYPE), text);
        assertTrue(text.endsWith("\r\n\r\nmetric_a 1.0\n"), text);
        assertEquals(PrometheusTextFormatWriter.CONTENT_TYPE, askedFor);

        String om = request("GET", "/metrics?x=1", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
        assertTrue(om.toLowerCase().contains("content-type: " + OpenMetricsTextFormatWriter.CONTENT_TYPE), om);
        assertEquals(OpenMetricsTextFormatWriter.CONTENT_TYPE, askedFor);
    }

    @Test
    void headHasNoBodyOtherPathsAre404OtherMethods405AndNotReadyIs503() throws Exception {
        start();
        String head = request("HEAD", "/metrics", null);
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"), head);
        assertTrue(request("GET", "/", null).startsWith("HTTP/1.1 404 "));
        assertTrue(request("GET", "/metrics/x", null).startsWith("HTTP/1.1 404 "));
        String post = request("POST", "/metrics", null);
        assertTrue(post.startsWith("HTTP/1.1 405 ") && post.contains("Allow: GET, HEAD"), post);
        body = null;
        assertTrue(request("GET", "/metrics", null).startsWith("HTTP/1.1 503 "));
    }

    @Test
    void aTakenPortFailsAtBind() throws Exception {
        start();
        assertThrows(BindException.class, () -> MetricsEndpoint.bind(endpoint.address(), threads));
    }

    @Test
    void itsThreadsAreDaemonsAndStopWithIt() throws Exception {
        start();
        endpoint.selfTest();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("test-metrics") || t.getName().equals("HTTP-Dispatcher")) {
                assertTrue(t.isDaemon(), t.getName() + " must not keep the host's JVM alive");
            }
        }
        InetSocketAddress address = endpoint.address();
        endpoint.close();
        endpoint = null;
        try (Socket socket = new Socket()) {
            assertThrows(IOException.class, () -> socket.connect(address, 1000), "closed: nothing listens");
        }
    }
}
