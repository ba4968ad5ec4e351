package io.socketdoctor.otlp;

import io.micrometer.core.instrument.Clock;
import io.micrometer.registry.otlp.AggregationTemporality;
import io.micrometer.registry.otlp.HistogramFlavor;
import io.micrometer.registry.otlp.OtlpConfig;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import io.micrometer.registry.otlp.OtlpMetricsSender;
import io.socketdoctor.export.MeterBinding;
import io.socketdoctor.export.MetricsSource;
import java.lang.reflect.Method;
import java.net.URL;
import java.time.Duration;
import java.util.Map;

/**
 * The same meters as {@code /metrics}, through Micrometer's own OTLP registry: names in
 * OpenTelemetry's dotted form ({@code socket.doctor.errors}, which a collector's Prometheus
 * exporter writes as {@code socket_doctor_errors_total}), the same tags, cumulative sums.
 *
 * <p>The registry is never started: its scheduler would log through {@code java.util.logging}
 * on the host's console and publish on a thread of its own. The exporter's thread calls
 * {@link #publish} instead, and the sender below posts the bytes and keeps the outcome rather
 * than throwing (a throw would be logged the same way).
 */
final class OtlpMetrics {

    private final OtlpMeterRegistry registry;
    private final Runnable sync;
    private final Method publish;
    private final Sender sender;

    private OtlpMetrics(OtlpMeterRegistry registry, Runnable sync, Method publish, Sender sender) {
        this.registry = registry;
        this.sync = sync;
        this.publish = publish;
        this.sender = sender;
    }

    static OtlpMetrics create(URL url, Map<String, String> resource, Duration step, MetricsSource source,
                              Map<String, String> commonTags, RequestWatchdog watchdog)
            throws ReflectiveOperationException {
        Sender sender = new Sender(url, watchdog);
        OtlpMeterRegistry registry = OtlpMeterRegistry.builder(new Settings(url, resource, step))
                .clock(Clock.SYSTEM).metricsSender(sender).build();
        Runnable sync = MeterBinding.bind(registry, source, commonTags);
        // PushMeterRegistry.publish() is protected and the builder's registry cannot be subclassed.
        Method publish = OtlpMeterRegistry.class.getDeclaredMethod("publish");
        publish.setAccessible(true);
        return new OtlpMetrics(registry, sync, publish, sender);
    }

    /**
     * Sends every meter's current value once, all of it by {@code deadlineNanos}; the worst
     * outcome of its requests, or null if none was made.
     */
    OtlpHttp.Result publish(long deadlineNanos) {
        sender.deadlineNanos = deadlineNanos;
        sender.last = null;
        try {
            sync.run();
            publish.invoke(registry);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new OtlpHttp.Result(OtlpHttp.Outcome.REJECTED, e.toString(), 0);
        }
        return sender.last;
    }

    void close() {
        registry.close(); // not enabled: closes without a publish of its own
    }

    /** Posts a request the registry built; never throws, so Micrometer never logs. */
    private static final class Sender implements OtlpMetricsSender {
        private final URL url;
        private final RequestWatchdog watchdog;
        // Set and read on the exporter's thread only (publish() runs the sender on the calling thread).
        long deadlineNanos;
        OtlpHttp.Result last;

        Sender(URL url, RequestWatchdog watchdog) {
            this.url = url;
            this.watchdog = watchdog;
        }

        @Override
        public void send(Request request) {
            int left = (int) Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
            OtlpHttp.Result result = OtlpHttp.post(url, request.getMetricsData(), left, watchdog);
            OtlpHttp.Result previous = last;
            // One publish may be several requests (batches): keep the worst.
            if (previous == null || result.outcome().compareTo(previous.outcome()) > 0) {
                last = result;
            }
        }
    }

    /**
     * Every setting given here, none read from the environment: Micrometer's defaults would take
     * {@code OTEL_EXPORTER_OTLP_*} and {@code OTEL_RESOURCE_ATTRIBUTES} on their own, and the agent
     * reads the OpenTelemetry agent's endpoint only when told to ({@code otlp=env}).
     */
    private static final class Settings implements OtlpConfig {
        private final URL url;
        private final Map<String, String> resource;
        private final Duration step;

        Settings(URL url, Map<String, String> resource, Duration step) {
            this.url = url;
            this.resource = resource;
            this.step = step;
        }

        @Override
        public String get(String key) {
            return null;
        }

        @Override
        public boolean enabled() {
            return false; // no scheduler thread, no start message: OtlpExporter drives it
        }

        @Override
        public String url() {
            return url.toString();
        }

        @Override
        public Duration step() {
            return step;
        }

        @Override
        public Map<String, String> resourceAttributes() {
            return resource;
        }

        @Override
        public Map<String, String> headers() {
            return Map.of();
        }

        @Override
        public AggregationTemporality aggregationTemporality() {
            return AggregationTemporality.CUMULATIVE;
        }

        @Override
        public HistogramFlavor histogramFlavor() {
            return HistogramFlavor.EXPLICIT_BUCKET_HISTOGRAM;
        }

        @Override
        public Map<String, HistogramFlavor> histogramFlavorPerMeter() {
            return Map.of();
        }

        @Override
        public Map<String, Integer> maxBucketsPerMeter() {
            return Map.of();
        }
    }
}
