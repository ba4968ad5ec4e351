package io.socketdoctor.otlp;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.socketdoctor.config.Config;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventSink;
import io.socketdoctor.export.MetricsSource;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code otlp=URL}: sends every event as a log record to {@code URL/v1/logs} within a second, and
 * the metrics to {@code URL/v1/metrics} every {@code otlp.interval}; both once more when the JVM
 * exits or the agent detaches.
 *
 * <p>One daemon thread of the agent's does all of it. The event sink's writer hands each event
 * over with a non-blocking offer into a bounded queue ({@value #QUEUE_CAPACITY}); when it is full
 * the event is dropped and counted ({@code socket_doctor_events_dropped_total{sink="otlp"}}), as
 * are records a collector refuses. A collector that is down, slow or answers 429/502/503/504 gets
 * the same batch again after a back-off that doubles from {@value #FIRST_BACKOFF_MILLIS} ms to
 * {@value #MAX_BACKOFF_MILLIS} ms; meanwhile the queue fills and then drops. Nothing here ever
 * blocks, throws into, or allocates on an application thread.
 */
public final class OtlpExporter implements EventSink.Listener {

    static final int QUEUE_CAPACITY = 2048;
    static final int BATCH_MAX = 512;
    /** Events that come together go in one request: the first waits this long for the rest. */
    static final long LINGER_MILLIS = 200;
    static final long FIRST_BACKOFF_MILLIS = 1000;
    static final long MAX_BACKOFF_MILLIS = 30_000;
    static final int REQUEST_TIMEOUT_MILLIS = 10_000;
    /** At JVM exit or detach: how long the last logs and metrics may take, all requests together. */
    static final long FINAL_BUDGET_MILLIS = 2000;

    private final URL logsUrl;
    private final URL metricsUrl;
    private final String where;
    private final EventSink sink;
    private final Map<String, String> environment;
    private Map<String, String> resourceAttributes;
    private final long intervalMillis;
    private final MetricsSource source;
    private final Map<String, String> commonTags;
    private final ArrayBlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final Thread thread;
    private volatile boolean closing;
    private boolean closed;

    // The exporter thread's own state.
    private Resource resource;
    private InstrumentationScope scope;
    private OtlpMetrics metrics;
    private final Problems problems;

    private OtlpExporter(URI base, EventSink sink, Map<String, String> environment, long intervalMillis,
                         MetricsSource source, Map<String, String> commonTags, Runnable agentThreadMarker)
            throws MalformedURLException {
        this.logsUrl = URI.create(base + "/v1/logs").toURL();
        this.metricsUrl = URI.create(base + "/v1/metrics").toURL();
        this.where = base.toString();
        this.sink = sink;
        this.environment = environment;
        this.intervalMillis = intervalMillis;
        this.source = source;
        this.commonTags = commonTags;
        this.problems = new Problems(where);
        this.thread = new Thread(() -> {
            agentThreadMarker.run(); // first: its sockets are the agent's, never diagnosed or tracked
            run();
        }, "socket-doctor-otlp");
        thread.setDaemon(true);
        thread.setContextClassLoader(null);
    }

    /**
     * Starts the exporter and hands it the sink's events, or prints one line and returns null when
     * {@code otlp=env} finds no {@code OTEL_EXPORTER_OTLP_ENDPOINT}; never throws.
     *
     * @param agentThreadMarker {@code Diagnostics::markAgentThread}
     */
    public static OtlpExporter start(Config config, Map<String, String> environment, EventSink sink,
                                     MetricsSource source, Runnable agentThreadMarker) {
        try {
            URI base = config.otlp(environment);
            if (base == null) {
                System.err.println("socket-doctor: otlp=env but OTEL_EXPORTER_OTLP_ENDPOINT is not an http(s) URL ("
                        + environment.get("OTEL_EXPORTER_OTLP_ENDPOINT") + "); OTLP export is off, diagnostics go on.");
                return null;
            }
            OtlpExporter exporter = new OtlpExporter(base, sink, environment, config.otlpIntervalMillis(), source,
                    config.metricsTags(), agentThreadMarker);
            sink.addListener(exporter);
            exporter.thread.start();
            return exporter;
        } catch (Throwable t) {
            System.err.println("socket-doctor: OTLP export could not start (" + t + "); diagnostics go on without it.");
            return null;
        }
    }

    /** On the event sink's writer thread: never blocks. */
    @Override
    public void onEvent(Event event) {
        if (closing || !queue.offer(event)) {
            dropped.incrementAndGet();
        }
    }

    /** Events not delivered: the queue was full, the collector refused them, or they were left at exit. */
    public long dropped() {
        return dropped.get();
    }

    /** Log records the collector accepted. */
    public long sent() {
        return sent.get();
    }

    /**
     * Called by the sink once it has written its last events (JVM exit, detach): sends what is
     * queued and the metrics once more, within {@value #FINAL_BUDGET_MILLIS} ms, and stops.
     */
    @Override
    public synchronized void onStop() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        thread.interrupt(); // out of a wait; a request under way runs to its own timeout
        try {
            thread.join(FINAL_BUDGET_MILLIS + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            loop();
        } catch (Throwable t) {
            System.err.println("socket-doctor: OTLP export stopped (" + t + ").");
        } finally {
            finish();
        }
    }

    /**
     * Builds the resource, the scope and the metrics registry on first need (the first event, the
     * first export, or exit), not at start: protobuf's descriptors and the registry cost a few
     * hundred milliseconds of CPU that a JVM's start should not compete with.
     */
    private void ready() {
        if (resource != null) {
            return;
        }
        // The sink's identity, so the resource names the process as the JSON events do.
        resourceAttributes = OtlpResource.attributes(sink.identity(), environment);
        resource = OtlpResource.of(resourceAttributes);
        scope = InstrumentationScope.newBuilder().setName("io.socketdoctor")
                .setVersion(resourceAttributes.getOrDefault("telemetry.distro.version", "dev")).build();
        try {
            metrics = OtlpMetrics.create(metricsUrl, resourceAttributes, Duration.ofMillis(intervalMillis), source,
                    commonTags);
        } catch (Throwable t) {
            System.err.println("socket-doctor: OTLP metrics could not start (" + t + "); log records go on.");
        }
    }

    private List<Event> batch = new ArrayList<>();
    private byte[] pending;
    private int pendingCount;

    private void loop() {
        long nextMetrics = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        long retryAt = 0;
        long backoff = FIRST_BACKOFF_MILLIS;
        while (!closing) {
            try {
                long now = System.nanoTime();
                long untilMetrics = Math.max(0, TimeUnit.NANOSECONDS.toMillis(nextMetrics - now));
                if (pending == null) {
                    Event first = queue.poll(Math.min(1000, untilMetrics), TimeUnit.MILLISECONDS);
                    if (first != null) {
                        try {
                            Thread.sleep(LINGER_MILLIS);
                        } finally {
                            takeBatch(first); // in hand: sent now, or by the final round if that woke us
                        }
                    }
                } else if (now < retryAt) {
                    Thread.sleep(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(retryAt - now), untilMetrics)));
                }
                if (pending != null && System.nanoTime() >= retryAt) {
                    OtlpHttp.Result result = OtlpHttp.post(logsUrl, pending, REQUEST_TIMEOUT_MILLIS);
                    if (result.outcome() == OtlpHttp.Outcome.RETRY) {
                        long wait = Math.max(result.retryAfterMillis(), jittered(backoff));
                        retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
                        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                        problems.failed("logs", result, dropped.get());
                    } else {
                        settle(result);
                        backoff = FIRST_BACKOFF_MILLIS;
                    }
                }
                if (System.nanoTime() >= nextMetrics) {
                    publishMetrics(REQUEST_TIMEOUT_MILLIS);
                    nextMetrics = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMillis);
                }
            } catch (InterruptedException e) {
                // closing: the final round follows
            }
        }
    }

    /** The batch is done with: sent, or refused for good (then its records count as dropped). */
    private void settle(OtlpHttp.Result result) {
        if (result.outcome() == OtlpHttp.Outcome.SENT) {
            sent.addAndGet(pendingCount);
            problems.recovered("logs", dropped.get());
        } else {
            dropped.addAndGet(pendingCount);
            problems.rejected("logs", result, pendingCount);
        }
        pending = null;
        pendingCount = 0;
    }

    private void takeBatch(Event first) {
        ready();
        batch.clear();
        batch.add(first);
        queue.drainTo(batch, BATCH_MAX - 1);
        long observed = epochNanosNow();
        ScopeLogs.Builder logs = ScopeLogs.newBuilder().setScope(scope);
        for (Event event : batch) {
            logs.addLogRecords(LogRecords.of(event, observed));
        }
        pending = ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource).addScopeLogs(logs)).build()
                .toByteArray();
        pendingCount = batch.size();
        batch.clear();
    }

    private void publishMetrics(int timeoutMillis) {
        ready();
        if (metrics == null) {
            return;
        }
        OtlpHttp.Result result = metrics.publish(timeoutMillis);
        if (result == null || result.outcome() == OtlpHttp.Outcome.SENT) {
            problems.recovered("metrics", dropped.get());
        } else {
            // Cumulative sums: the next publish carries everything this one would have.
            problems.failed("metrics", result, dropped.get());
        }
    }

    /** Once: the batch in hand, what is queued, and the metrics, within the final budget. */
    private void finish() {
        Thread.interrupted(); // the stop's wake-up is not meant for the requests below
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FINAL_BUDGET_MILLIS);
        try {
            while (true) {
                int left = (int) TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (pending == null) {
                    Event first = queue.poll();
                    if (first == null) {
                        break;
                    }
                    takeBatch(first);
                }
                if (left <= 0) {
                    break;
                }
                OtlpHttp.Result result = OtlpHttp.post(logsUrl, pending, left);
                if (result.outcome() == OtlpHttp.Outcome.RETRY) {
                    break; // no time to wait for a collector that is down
                }
                settle(result);
            }
            // Counted before the last metrics go, so that they tell every event that did not arrive.
            dropped.addAndGet(pendingCount + queue.size());
            pending = null;
            pendingCount = 0;
            queue.clear();
            int left = (int) TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0) {
                publishMetrics(left);
            }
        } catch (Throwable t) {
            // at exit: nothing more to do about it
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    private static long jittered(long millis) {
        return millis - millis / 5 + ThreadLocalRandom.current().nextLong(millis / 5 * 2 + 1);
    }

    private static long epochNanosNow() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** One stderr line when sending starts to fail and one when it works again, not one per attempt. */
    private static final class Problems {
        private final String where;
        private boolean failing;
        private long droppedBefore;

        Problems(String where) {
            this.where = where;
        }

        void failed(String what, OtlpHttp.Result result, long droppedNow) {
            if (!failing) {
                failing = true;
                droppedBefore = droppedNow;
                System.err.println("socket-doctor: cannot send " + what + " to the OTLP collector at " + where + " ("
                        + result.detail() + "); retrying with back-off up to " + MAX_BACKOFF_MILLIS / 1000
                        + " s, events past " + QUEUE_CAPACITY + " queued are dropped and counted.");
            }
        }

        void rejected(String what, OtlpHttp.Result result, int records) {
            System.err.println("socket-doctor: the OTLP collector at " + where + " refused " + records + " " + what
                    + " records (" + result.detail() + "); they are dropped and counted.");
        }

        void recovered(String what, long droppedNow) {
            if (failing) {
                failing = false;
                System.err.println("socket-doctor: sending to the OTLP collector at " + where + " works again ("
                        + (droppedNow - droppedBefore) + " events dropped meanwhile).");
            }
        }
    }
}
