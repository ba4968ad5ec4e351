package io.socketdoctor.export;

import io.socketdoctor.config.Config;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code prometheus=[host:]port}: serves the event sink's {@link io.socketdoctor.event.ErrorCounts}
 * (counted from the first event on, before the endpoint is ready) with the session's counters at
 * {@code http://host:port/metrics} from a Micrometer registry of its own (shaded: never the host's
 * registry or classes).
 *
 * <p>Two steps. {@link #open} runs before the JDK is instrumented: on an agent thread it binds the
 * port, starts the server and sends it one request, so that the server's dispatcher thread is
 * marked as the agent's before its accepts can be seen as the application's (see
 * {@link MetricsEndpoint}). Start-up waits until the dispatcher is marked, at most
 * {@value #OPEN_WAIT_MILLIS} ms, so a taken port is one line at start. {@link #serve} builds the
 * meters once the session exists, on an agent thread; until then a scrape gets 503. Nothing here
 * can stop the agent: every problem is one line on stderr, and metrics are off.
 */
public final class MetricsExporter implements AutoCloseable {

    static final long OPEN_WAIT_MILLIS = 2000;

    private final InetSocketAddress address;
    private final Map<String, String> commonTags;
    private final Runnable marker;
    private final AgentThreads threads;
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile MetricsEndpoint endpoint;
    private volatile MeterExposition exposition;
    private volatile boolean failed;

    private MetricsExporter(InetSocketAddress address, Map<String, String> commonTags, Runnable marker) {
        this.address = address;
        this.commonTags = commonTags;
        this.marker = marker;
        this.threads = new AgentThreads("socket-doctor-metrics", marker);
    }

    /**
     * Call before the instrumentation is installed. Returns null when {@code prometheus} is not set
     * or the endpoint could not start (already reported); never throws.
     *
     * @param marker {@code Diagnostics::markAgentThread}
     */
    public static MetricsExporter open(Config config, Runnable marker) {
        InetSocketAddress address = config.prometheus();
        if (address == null) {
            return null;
        }
        try {
            MetricsExporter exporter = new MetricsExporter(address, config.metricsTags(), marker);
            exporter.threads.newThread(exporter::openEndpoint).start();
            exporter.opened.await(OPEN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            return exporter.failed ? null : exporter; // a failure is reported already
        } catch (Throwable t) {
            System.err.println("socket-doctor: metrics could not start (" + t + "); diagnostics go on without them.");
            return null;
        }
    }

    /** On an agent thread, before the instrumentation: bind, start, and one request to ourselves. */
    private void openEndpoint() {
        MetricsEndpoint serving = null;
        try {
            serving = MetricsEndpoint.bind(address, threads);
            // Start-up may go on once the dispatcher has been marked: its first hand-over.
            serving.start(this::render, () -> {
                marker.run();
                opened.countDown();
            });
            endpoint = serving;
        } catch (Throwable e) { // a taken port, a foreign address, or no jdk.httpserver module
            failed = true;
            System.err.println("socket-doctor: cannot serve metrics on " + where() + " (" + e
                    + "); metrics are off, diagnostics go on.");
            if (serving != null) {
                serving.close(); // bound but not started: we are on an agent thread already
            }
            opened.countDown();
            return;
        }
        String status;
        try {
            status = serving.selfTest();
        } catch (Throwable e) {
            status = e.toString();
        } finally {
            opened.countDown();
        }
        if (!status.startsWith("HTTP/1.1 ")) {
            System.err.println("socket-doctor: the metrics endpoint on " + where() + " did not answer its own test"
                    + " request (" + status + "); it may count its own connections as the application's");
        }
    }

    /**
     * Once the session exists: builds the registry and the meters on an agent thread. The session
     * registers the exporter's {@link #close} with its own stop first.
     */
    public void serve(MetricsSource source) {
        try {
            threads.newThread(() -> buildMeters(source)).start();
        } catch (Throwable t) {
            System.err.println("socket-doctor: metrics could not start (" + t + "); diagnostics go on without them.");
        }
    }

    private void buildMeters(MetricsSource source) {
        try {
            exposition = MeterExposition.build(source, commonTags);
        } catch (Throwable t) {
            System.err.println("socket-doctor: metrics could not start (" + t + "); diagnostics go on without them.");
            close();
        }
    }

    /** The exposition, or null while the meters are being built (the endpoint answers 503). */
    private byte[] render(String contentType) throws IOException {
        MeterExposition ready = exposition;
        return ready == null ? null : ready.render(contentType);
    }

    private String where() {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Stops the endpoint, on an agent thread: closing its sockets is not the application's business either. */
    @Override
    public void close() {
        MetricsEndpoint serving = endpoint;
        endpoint = null;
        if (serving != null) {
            try {
                threads.runAndWait(serving::close, 2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        MeterExposition built = exposition;
        exposition = null;
        if (built != null) {
            built.close();
        }
    }
}
