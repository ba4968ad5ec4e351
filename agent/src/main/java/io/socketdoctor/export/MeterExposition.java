package io.socketdoctor.export;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * The agent's own Micrometer registry with its meters, rendered for a scrape. Kept apart from
 * {@link MetricsExporter} so that an agent without {@code prometheus=} never loads a Micrometer
 * class (the verifier would load them to check the types that flow through its methods).
 */
final class MeterExposition implements MetricsEndpoint.Exposition {

    private final PrometheusMeterRegistry registry;
    private final SocketMeters meters;

    private MeterExposition(PrometheusMeterRegistry registry, SocketMeters meters) {
        this.registry = registry;
        this.meters = meters;
    }

    /** @param commonTags {@code metrics.tags}: on every series */
    static MeterExposition build(MetricsSource source, Map<String, String> commonTags) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new MeterExposition(registry, SocketMeters.bind(registry, source, commonTags));
    }

    @Override
    public byte[] render(String contentType) throws IOException {
        meters.sync();
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        registry.scrape(out, contentType);
        return out.toByteArray();
    }

    void close() {
        registry.close();
    }
}
