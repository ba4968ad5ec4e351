package io.socketdoctor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.socketdoctor.event.ErrorCounts;
import io.socketdoctor.track.ConnectionStats;
import io.socketdoctor.track.KernelTcp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketMeters#bind}: any Micrometer registry gets every meter, {@code metrics.tags} on every
 * series (build info included), and one {@code socket_doctor_events_dropped_total} series per sink.
 */
class MetricsBindTest {

    private static final Map<String, String> TAGS = tags();

    private static Map<String, String> tags() {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("application", "checkout");
        tags.put("env", "prod");
        return tags;
    }

    /** A running agent as the meters see it, with a second sink that dropped 4 events. */
    private static final class Source implements MetricsSource {
        final ErrorCounts counts = MetricsExpositionTest.fed(0);
        final ConnectionStats stats = new ConnectionStats();
        final KernelTcp kernel = new KernelTcp();

        @Override
        public ErrorCounts counts() {
            return counts;
        }

        @Override
        public ConnectionStats stats() {
            return stats;
        }

        @Override
        public KernelTcp kernel() {
            return kernel;
        }

        @Override
        public long eventsDropped() {
            return 3;
        }

        @Override
        public int missingHookPoints() {
            return 0;
        }

        @Override
        public Map<String, LongSupplier> droppedEvents() {
            return Map.of("queue", this::eventsDropped, "otlp", () -> 4);
        }
    }

    @Test
    void everySeriesCarriesTheCommonTagsAndBuildInfoIsOne() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SocketMeters.bind(registry, new Source(), TAGS).sync();
        String text = registry.scrape(PrometheusTextFormatWriter.CONTENT_TYPE);
        List<String> samples = text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.toList());
        assertTrue(samples.size() > 20, text);
        for (String sample : samples) {
            assertTrue(sample.startsWith("socket_doctor_"), "one prefix for every series: " + sample);
            assertTrue(sample.contains("application=\"checkout\"") && sample.contains("env=\"prod\""), sample);
        }
        assertTrue(text.contains("socket_doctor_build_info{application=\"checkout\",env=\"prod\",jdk=\""
                + Runtime.version().feature() + "\",version=\"dev\"} 1\n"), "version: dev from classes\n" + text);
        assertTrue(text.contains("socket_doctor_errors_total{api=\"socket\",application=\"checkout\","
                + "cause=\"peer_reset_read\",env=\"prod\",errno=\"ECONNRESET\",op=\"read\"} 3.0\n"), text);
        assertTrue(text.contains("# TYPE socket_doctor_build_info gauge\n"), text);
        String om = registry.scrape(OpenMetricsTextFormatWriter.CONTENT_TYPE);
        assertTrue(om.contains("# TYPE socket_doctor_build info\n"), "an info metric in OpenMetrics\n" + om);
        assertTrue(om.contains("socket_doctor_build_info{application=\"checkout\",env=\"prod\",jdk=\""
                + Runtime.version().feature() + "\",version=\"dev\"} 1\n"), om);
    }

    @Test
    void droppedEventsAreOneSeriesPerSink() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SocketMeters.bind(registry, new Source(), Map.of());
        String text = registry.scrape(PrometheusTextFormatWriter.CONTENT_TYPE);
        assertEquals(List.of("socket_doctor_events_dropped_total{sink=\"otlp\"} 4.0",
                        "socket_doctor_events_dropped_total{sink=\"queue\"} 3.0"),
                text.lines().filter(l -> l.startsWith("socket_doctor_events_dropped_total")).sorted()
                        .collect(Collectors.toList()), text);
        Map<String, LongSupplier> byDefault = new MetricsSourceDefault().droppedEvents();
        assertEquals(java.util.Set.of("queue"), byDefault.keySet(), "by default the queue is the one sink");
        assertEquals(7, byDefault.get("queue").getAsLong());
    }

    @Test
    void anotherRegistryGetsTheSameMetersWithTheTags() {
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        SocketMeters meters = SocketMeters.bind(other, new Source(), TAGS);
        meters.sync();
        Meter info = other.find(SocketMeters.BUILD_INFO).meter();
        assertNotNull(info, "build info on any registry");
        assertEquals("checkout", info.getId().getTag("application"));
        assertEquals(Integer.toString(Runtime.version().feature()), info.getId().getTag("jdk"));
        assertEquals(3.0, other.get(SocketMeters.ERRORS).tag("errno", "ECONNRESET").tag("env", "prod")
                .functionCounter().count());
        assertEquals(4.0, other.get(SocketMeters.EVENTS_DROPPED).tag("sink", "otlp").functionCounter().count());
    }

    /** A source that keeps the interface's own {@link MetricsSource#droppedEvents}. */
    private static final class MetricsSourceDefault implements MetricsSource {
        @Override
        public ErrorCounts counts() {
            return new ErrorCounts();
        }

        @Override
        public ConnectionStats stats() {
            return new ConnectionStats();
        }

        @Override
        public KernelTcp kernel() {
            return new KernelTcp();
        }

        @Override
        public long eventsDropped() {
            return 7;
        }

        @Override
        public int missingHookPoints() {
            return 0;
        }
    }
}
