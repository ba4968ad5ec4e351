package io.socketdoctor.export;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

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

    static MeterExposition build(MetricsSource source) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CensusCache census = source.kernel().available()
                ? new CensusCache(source.kernel()::census, System::nanoTime) : null;
        SocketMeters meters = new SocketMeters(registry, source.counts(), source.stats(), source::eventsDropped,
                source::missingHookPoints, census);
        return new MeterExposition(registry, meters);
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
