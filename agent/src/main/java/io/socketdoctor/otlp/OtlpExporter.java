package io.socketdoctor.otlp;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.socketdoctor.config.Config;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventSink;
import io.socketdoctor.export.AgentThreads;
import io.socketdoctor.export.MetricsSource;
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
    /** One request's whole time: connect, write and answer. */
    static final int REQUEST_TIMEOUT_MILLIS = 10_000;
    /** At JVM exit or detach: the last logs and metrics, all requests together (and the first build, if due). */
    static final long FINAL_BUDGET_MILLIS = 2000;
    /** {@code otlp.interval} at most (the option takes more: a longer one is this). */
    static final long MAX_INTERVAL_MILLIS = 3_600_000;

    private final URI base;
    private URL logsUrl;
    private URL metricsUrl;
    private final EventSink sink;
    private final Map<String, String> environment;
    private final long intervalMillis;
    private final MetricsSource source;
    private final Map<String, String> commonTags;
    private final ArrayBlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final Thread thread;
    private final RequestWatchdog watchdog = new RequestWatchdog();
    private final Thread watchdogThread;
    private volatile boolean closing;
    private boolean closed;

    // The exporter thread's own state.
    private Map<String, String> resourceAttributes;
    private Resource resource;
    private InstrumentationScope scope;
    private OtlpMetrics metrics;
    private final SendProblems logProblems;
    private final SendProblems metricProblems;
    private final List<Event> batch = new ArrayList<>();
    private byte[] pending;
    private int pendingCount;

    private OtlpExporter(URI base, EventSink sink, Map<String, String> environment, long intervalMillis,
                         MetricsSource source, Map<String, String> commonTags, Runnable agentThreadMarker) {
        this.base = base;
        this.sink = sink;
        this.environment = environment;
        this.intervalMillis = Math.min(intervalMillis, MAX_INTERVAL_MILLIS);
        this.source = source;
        this.commonTags = commonTags;
        this.logProblems = new SendProblems("log records", base.toString());
        this.metricProblems = new SendProblems("metrics", base.toString());

        this.thread = new AgentThreads("socket-doctor-otlp", agentThreadMarker).newThread(new Loop(this));
        this.watchdogThread = new AgentThreads("socket-doctor-otlp-watchdog", agentThreadMarker).newThread(watchdog);
    }

    /** The exporter's loop as a class, not a lambda: it is made before main. */
    private static final class Loop implements Runnable {
        private final OtlpExporter exporter;

        Loop(OtlpExporter exporter) {
            this.exporter = exporter;
        }

        @Override
        public void run() {
            exporter.run();
        }
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
            exporter.watchdogThread.start();
            exporter.thread.start();
            sink.addListener(exporter); // last: no queue fills that nothing drains
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
     * Called by the sink once it has written its last events (JVM exit, detach): ends a request
     * under way, then the exporter's thread sends what is queued and the metrics once more within
     * {@value #FINAL_BUDGET_MILLIS} ms and stops; waits for it a second longer at most.
     */
    @Override
    public synchronized void onStop() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        watchdog.expireNow();
        thread.interrupt(); // out of a wait
        try {
            thread.join(FINAL_BUDGET_MILLIS + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            watchdog.stop();
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
     * first export, or exit), not at start: protobuf's descriptors, the registry and the URLs cost a
     * few hundred milliseconds of CPU that a JVM's start should not compete with.
     */
    private void ready() {
        if (resource != null) {
            return;
        }
        // A URL's first use looks for protocol handlers through the class path and the runtime image.
        try {
            logsUrl = URI.create(base + "/v1/logs").toURL();
            metricsUrl = URI.create(base + "/v1/metrics").toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException("the validated URL " + base, e);
        }
        // The sink's identity, so the resource names the process as the JSON events do.
        resourceAttributes = OtlpResource.attributes(sink.identity(), environment);
        resource = OtlpResource.of(resourceAttributes);
        scope = InstrumentationScope.newBuilder().setName("io.socketdoctor")
                .setVersion(resourceAttributes.getOrDefault("telemetry.distro.version", "dev")).build();
        try {
            metrics = OtlpMetrics.create(metricsUrl, resourceAttributes, Duration.ofMillis(intervalMillis), source,
                    commonTags, watchdog);
        } catch (Throwable t) {
            System.err.println("socket-doctor: OTLP metrics could not start (" + t + "); log records go on.");
        }
    }

    private void loop() {
        long nextMetrics = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        long retryAt = 0;
        long backoff = FIRST_BACKOFF_MILLIS;
        while (!closing) {
            try {
                long untilMetrics = Math.max(0, TimeUnit.NANOSECONDS.toMillis(nextMetrics - System.nanoTime()));
                if (pending == null) {
                    Event first = queue.poll(Math.min(1000, untilMetrics), TimeUnit.MILLISECONDS);
                    if (first != null) {
                        try {
                            if (queue.size() < BATCH_MAX - 1) {
                                Thread.sleep(LINGER_MILLIS); // a full batch waits for nothing
                            }
                        } finally {
                            takeBatch(first); // in hand: sent now, or by the final round if that woke us
                        }
                    }
                } else if (System.nanoTime() - retryAt < 0) {
                    long untilRetry = TimeUnit.NANOSECONDS.toMillis(retryAt - System.nanoTime());
                    Thread.sleep(Math.max(1, Math.min(untilRetry, untilMetrics)));
                }
                if (pending != null && System.nanoTime() - retryAt >= 0) {
                    OtlpHttp.Result result = OtlpHttp.post(logsUrl, pending, REQUEST_TIMEOUT_MILLIS, watchdog);
                    if (result.outcome() == OtlpHttp.Outcome.RETRY && !closing) {
                        long wait = Math.max(result.retryAfterMillis(), jittered(backoff));
                        retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
                        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                        logProblems.failing(result, dropped.get());
                    } else if (result.outcome() != OtlpHttp.Outcome.RETRY) {
                        settle(result);
                        backoff = FIRST_BACKOFF_MILLIS;
                    }
                }
                if (System.nanoTime() - nextMetrics >= 0) {
                    publishMetrics(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REQUEST_TIMEOUT_MILLIS));
                    nextMetrics = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMillis);
                }
            } catch (InterruptedException e) {
                // closing: the final round follows
            } catch (RuntimeException | LinkageError e) {
                // A batch that cannot be built is dropped and counted; the exporter goes on.
                int lost = batch.size();
                dropped.addAndGet(lost);
                batch.clear();
                System.err.println("socket-doctor: OTLP export dropped " + lost + " events it could not encode ("
                        + e + ").");
            }
        }
    }

    /** The batch is done with: sent, or refused for good (then its records count as dropped). */
    private void settle(OtlpHttp.Result result) {
        if (result.outcome() == OtlpHttp.Outcome.SENT) {
            sent.addAndGet(pendingCount);
            logProblems.working(dropped.get());
        } else {
            dropped.addAndGet(pendingCount);
            logProblems.refused(result, pendingCount, dropped.get());
        }
        pending = null;
        pendingCount = 0;
    }

    private void takeBatch(Event first) {
        batch.clear();
        batch.add(first);
        queue.drainTo(batch, BATCH_MAX - 1);
        ready();
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

    private void publishMetrics(long deadlineNanos) {
        ready();
        if (metrics == null) {
            return;
        }
        OtlpHttp.Result result = metrics.publish(deadlineNanos);
        if (result == null || result.outcome() == OtlpHttp.Outcome.SENT) {
            metricProblems.working(dropped.get());
        } else if (result.outcome() == OtlpHttp.Outcome.RETRY) {
            // Cumulative sums: the next publish carries everything this one would have.
            metricProblems.failing(result, dropped.get());
        } else {
            metricProblems.refused(result, 0, dropped.get());
        }
    }

    /**
     * Once, by one deadline: the batch in hand, what is queued, and the metrics. What does not go
     * is counted as dropped before the metrics are sent, so they tell every event that did not arrive.
     */
    private void finish() {
        Thread.interrupted(); // the stop's wake-up is not meant for the requests below
        watchdog.finalRound();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FINAL_BUDGET_MILLIS);
        try {
            while (System.nanoTime() - deadline < 0) {
                if (pending == null) {
                    Event first = queue.poll();
                    if (first == null) {
                        break;
                    }
                    takeBatch(first);
                }
                int left = (int) TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                OtlpHttp.Result result = OtlpHttp.post(logsUrl, pending, left, watchdog);
                if (result.outcome() == OtlpHttp.Outcome.RETRY) {
                    break; // no time to wait for a collector that is down
                }
                settle(result);
            }
        } catch (Throwable t) {
            // at exit: what is left is counted below
        }
        dropped.addAndGet(pendingCount + batch.size() + queue.size());
        pending = null;
        pendingCount = 0;
        batch.clear();
        queue.clear();
        try {
            if (System.nanoTime() - deadline < 0) {
                publishMetrics(deadline);
            }
            if (metrics != null) {
                metrics.close();
            }
        } catch (Throwable t) {
            // at exit: nothing more to do about it
        }
    }

    private static long jittered(long millis) {
        return millis - millis / 5 + ThreadLocalRandom.current().nextLong(millis / 5 * 2 + 1);
    }

    private static long epochNanosNow() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * One stderr line when sending one signal starts to fail or to be refused, one when it works
     * again: never a line per attempt. Log records and metrics each keep their own, so one that
     * works does not announce the other's recovery.
     */
    private static final class SendProblems {
        private final String what;
        private final String where;
        private OtlpHttp.Outcome state = OtlpHttp.Outcome.SENT;
        private long droppedBefore;

        SendProblems(String what, String where) {
            this.what = what;
            this.where = where;
        }

        void failing(OtlpHttp.Result result, long droppedNow) {
            if (state == OtlpHttp.Outcome.SENT) {
                droppedBefore = droppedNow;
            }
            if (state != OtlpHttp.Outcome.RETRY) {
                state = OtlpHttp.Outcome.RETRY;
                System.err.println("socket-doctor: cannot send " + what + " to the OTLP collector at " + where + " ("
                        + result.detail() + "); retrying with back-off up to " + MAX_BACKOFF_MILLIS / 1000
                        + " s, events past " + QUEUE_CAPACITY + " queued are dropped and counted.");
            }
        }

        void refused(OtlpHttp.Result result, int records, long droppedNow) {
            if (state == OtlpHttp.Outcome.SENT) {
                droppedBefore = droppedNow - records;
            }
            if (state != OtlpHttp.Outcome.REJECTED) {
                state = OtlpHttp.Outcome.REJECTED;
                System.err.println("socket-doctor: the OTLP collector at " + where + " refuses " + what + " ("
                        + result.detail() + "); they are dropped and counted until it takes them again.");
            }
        }

        void working(long droppedNow) {
            if (state != OtlpHttp.Outcome.SENT) {
                state = OtlpHttp.Outcome.SENT;
                System.err.println("socket-doctor: sending " + what + " to the OTLP collector at " + where
                        + " works again (" + (droppedNow - droppedBefore) + " events dropped meanwhile).");
            }
        }
    }
}
