package io.socketdoctor.export;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every meter of the agent, on a registry other than the Prometheus one (the OTLP exporter's), so
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
        List<Tag> tags = new ArrayList<>();
        commonTags.forEach((name, value) -> tags.add(Tag.of(name, value)));
        registry.config().commonTags(tags);
        CensusCache census = source.kernel().available()
                ? new CensusCache(source.kernel()::census, System::nanoTime) : null;
        SocketMeters meters = new SocketMeters(registry, source.counts(), source.stats(), source::eventsDropped,
                source::missingHookPoints, census);
        return meters::sync;
    }
}
