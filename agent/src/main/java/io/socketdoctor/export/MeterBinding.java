package io.socketdoctor.export;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * Every meter of the agent on a registry other than the Prometheus one (the OTLP exporter's), so
 * that both carry the same names, tags and values.
 */
public final class MeterBinding {

    private MeterBinding() {
    }

    /**
     * Registers the agent's meters, with {@code commonTags} on every series, and returns what to
     * run before each publish: it registers the series that events created since.
     */
    public static Runnable bind(MeterRegistry registry, MetricsSource source, Map<String, String> commonTags) {
        return SocketMeters.bind(registry, source, commonTags)::sync;
    }
}
