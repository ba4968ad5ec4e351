package io.socketdoctor.export;

import static io.socketdoctor.export.MetricsTagsTest.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.socketdoctor.classify.Api;
import io.socketdoctor.event.ErrorCounts;
import io.socketdoctor.track.ConnectionStats;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Prometheus exposition of the meters, after feeding them real events and counters. */
class MetricsExpositionTest {

    /** Every metric family the agent exposes, as Prometheus names them. */
    static final List<String> FAMILIES = List.of("socket_doctor_build_info", "socket_doctor_close_wait_leaks_total",
            "socket_doctor_connections_closed_total", "socket_doctor_connections_opened_total",
            "socket_doctor_connections_untracked_total",
            "socket_doctor_events_dropped_total", "socket_doctor_hooks_missing", "socket_doctor_tcp_sockets",
            "socket_doctor_errors_total", "socket_doctor_peer_eofs_total", "socket_doctor_warnings_total");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ConnectionStats stats = new ConnectionStats();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger censusReads = new AtomicInteger();

    private SocketMeters meters(ErrorCounts tally, boolean withCensus) {
        CensusCache census = withCensus ? new CensusCache(() -> {
            censusReads.incrementAndGet();
            return Map.of("ESTABLISHED", 12, "CLOSE_WAIT", 3, "LISTEN", 1);
        }, System::nanoTime) : null;
        return new SocketMeters(registry, tally, stats, Map.of("queue", dropped::get), () -> 2, census);
    }

    /** Feeds a mixed set of events: what a service with a few failures would see. */
    static ErrorCounts fed(int peers) {
        ErrorCounts tally = new ErrorCounts(peers);
        for (int i = 0; i < 3; i++) {
            tally.onEvent(event("socket_error", "ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.5:5432"));
        }
        tally.onEvent(event("socket_error", "EPIPE", "broken_pipe", "write", "channel", "10.0.0.6:80"));
        tally.onEvent(event("socket_error", null, "read_timeout_jdk", "read", "socket", "10.0.0.5:5432"));
        tally.onEvent(event("socket_error", null, null, "connect", "socket", "10.0.0.7:443"));
        tally.onEvent(event("write_after_reset", null, "write_after_reset", "write", "socket", "10.0.0.5:5432"));
        tally.onEvent(event("close_wait_leak", null, "close_wait_leak", "close", "socket", "10.0.0.5:5432"));
        return tally;
    }

    private String scrape() {
        return registry.scrape(PrometheusTextFormatWriter.CONTENT_TYPE);
    }

    private static List<String> samples(String exposition, String family) {
        return exposition.lines().filter(l -> l.startsWith(family + "{") || l.startsWith(family + " "))
                .collect(Collectors.toList());
    }

    @Test
    void errorsAreCountedByErrnoCauseOperationAndApi() {
        SocketMeters meters = meters(fed(0), true);
        meters.sync();
        String text = scrape();
        assertEquals(List.of(
                "socket_doctor_errors_total{api=\"channel\",cause=\"broken_pipe\",errno=\"EPIPE\",op=\"write\"} 1.0",
                "socket_doctor_errors_total{api=\"socket\",cause=\"peer_reset_read\",errno=\"ECONNRESET\",op=\"read\"} 3.0",
                "socket_doctor_errors_total{api=\"socket\",cause=\"read_timeout_jdk\",errno=\"none\",op=\"read\"} 1.0",
                "socket_doctor_errors_total{api=\"socket\",cause=\"unknown\",errno=\"unknown\",op=\"connect\"} 1.0"),
                samples(text, "socket_doctor_errors_total"), text);
        assertEquals(List.of("socket_doctor_warnings_total{api=\"socket\",kind=\"write_after_reset\"} 1.0"),
                samples(text, "socket_doctor_warnings_total"), text);
        assertTrue(text.contains("# TYPE socket_doctor_errors_total counter\n"), text);
        assertTrue(text.contains("# HELP socket_doctor_errors_total Socket failures diagnosed, by errno"), text);
        assertFalse(text.contains("10.0.0."), "no address is a tag without metrics.peers\n" + text);
    }

    @Test
    void everyFamilyHasHelpAndTypeAndNoOtherFamilyExists() {
        ErrorCounts tally = fed(0);
        meters(tally, true).sync();
        String text = scrape();
        TreeSet<String> typed = text.lines().filter(l -> l.startsWith("# TYPE "))
                .map(l -> l.split(" ")[2]).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(FAMILIES), typed, text);
        for (String family : FAMILIES) {
            assertTrue(text.contains("# HELP " + family + " "), family + " has help\n" + text);
            assertFalse(samples(text, family).isEmpty(), family + " has samples\n" + text);
        }
    }

    @Test
    void connectionCountersReadTheSessionsAddersAtScrapeTime() {
        meters(new ErrorCounts(), true);
        stats.opened(Api.SOCKET, ConnectionStats.Direction.CLIENT);
        stats.opened(Api.SOCKET, ConnectionStats.Direction.CLIENT);
        stats.opened(Api.SERVER_CHANNEL, ConnectionStats.Direction.SERVER);
        stats.closed(Api.SOCKET);
        stats.peerEof(Api.CHANNEL);
        stats.untracked();
        dropped.set(7);
        String text = scrape();
        assertTrue(text.contains("socket_doctor_connections_opened_total{api=\"socket\",direction=\"client\"} 2.0\n"), text);
        assertTrue(text.contains("socket_doctor_connections_opened_total{api=\"server_channel\",direction=\"server\"} 1.0\n"), text);
        assertTrue(text.contains("socket_doctor_connections_opened_total{api=\"channel\",direction=\"client\"} 0.0\n"),
                "every possible pair exists from the start, so rate() sees the first one\n" + text);
        assertTrue(text.contains("socket_doctor_connections_closed_total{api=\"socket\"} 1.0\n"), text);
        assertTrue(text.contains("socket_doctor_peer_eofs_total{api=\"channel\"} 1.0\n"), text);
        assertTrue(text.contains("socket_doctor_connections_untracked_total 1.0\n"), text);
        assertTrue(text.contains("socket_doctor_events_dropped_total{sink=\"queue\"} 7.0\n"), text);
        assertTrue(text.contains("socket_doctor_hooks_missing 2.0\n"), text);
        assertTrue(text.contains("socket_doctor_connections_opened_total{api=\"async\",direction=\"server\"} 0.0\n"), text);
        assertEquals(List.of("async/client", "async/server", "channel/client", "server_channel/server",
                        "server_socket/server", "socket/client"),
                samples(text, "socket_doctor_connections_opened_total").stream()
                        .map(l -> l.replaceAll(".*api=\"(\\w+)\",direction=\"(\\w+)\".*", "$1/$2")).sorted()
                        .collect(Collectors.toList()),
                "only the pairs a connection can be opened with (see ConnectionOpeningsTest)\n" + text);
        assertEquals(List.of("async", "channel", "server_channel", "server_socket", "socket"),
                samples(text, "socket_doctor_connections_closed_total").stream()
                        .map(l -> l.replaceAll(".*api=\"(\\w+)\".*", "$1")).sorted().collect(Collectors.toList()),
                "never async_server, datagram or netty\n" + text);
        assertTrue(samples(text, "socket_doctor_errors_total").isEmpty(), "no error yet, no series\n" + text);
    }

    @Test
    void closeWaitLeaksAreTheLargerOfTheTrackersCountAndTheLeakEvents() {
        ErrorCounts tally = fed(0); // one close_wait_leak event
        meters(tally, true);
        assertTrue(scrape().contains("socket_doctor_close_wait_leaks_total 1.0\n"));
        stats.closeWaitLeak();
        stats.closeWaitLeak();
        assertTrue(scrape().contains("socket_doctor_close_wait_leaks_total 2.0\n"), "the tracker's exact count wins");
    }

    @Test
    void theCensusIsOneGaugePerStateReadAtMostOncePerTtl() {
        meters(new ErrorCounts(), true);
        String text = scrape();
        assertTrue(text.contains("socket_doctor_tcp_sockets{state=\"ESTABLISHED\"} 12.0\n"), text);
        assertTrue(text.contains("socket_doctor_tcp_sockets{state=\"CLOSE_WAIT\"} 3.0\n"), text);
        assertTrue(text.contains("socket_doctor_tcp_sockets{state=\"LISTEN\"} 1.0\n"), text);
        assertTrue(text.contains("socket_doctor_tcp_sockets{state=\"FIN_WAIT2\"} 0.0\n"), text);
        assertEquals(CensusCache.STATES.size(), samples(text, "socket_doctor_tcp_sockets").size(), text);
        scrape();
        scrape();
        assertEquals(1, censusReads.get(), "three scrapes of eleven gauges, one read of /proc");
    }

    @Test
    void withoutProcThereIsNoCensusSeriesRatherThanZeros() {
        meters(new ErrorCounts(), false);
        assertTrue(samples(scrape(), "socket_doctor_tcp_sockets").isEmpty());
    }

    @Test
    void theCensusCacheRereadsAfterItsTtl() {
        AtomicLong clock = new AtomicLong(1_000);
        AtomicInteger reads = new AtomicInteger();
        CensusCache cache = new CensusCache(() -> Map.of("ESTABLISHED", reads.incrementAndGet()), clock::get);
        assertEquals(1, cache.count("ESTABLISHED"));
        clock.addAndGet(4_999_999_999L);
        assertEquals(1, cache.count("ESTABLISHED"));
        clock.addAndGet(1);
        assertEquals(2, cache.count("ESTABLISHED"));
        assertEquals(0, cache.count("CLOSE_WAIT"));
    }

    @Test
    void anEmptyCensusIsUnknownNotZero() {
        new SocketMeters(registry, new ErrorCounts(), stats, Map.of("queue", dropped::get), () -> 0,
                new CensusCache(Map::of, System::nanoTime)); // what KernelTcp answers past its time budget
        String text = scrape();
        assertTrue(text.contains("socket_doctor_tcp_sockets{state=\"LISTEN\"} NaN\n"), text);
        assertTrue(text.contains("socket_doctor_tcp_sockets{state=\"CLOSE_WAIT\"} NaN\n"), text);
    }

    @Test
    void seriesCreatedByLaterEventsAppearAfterTheNextSync() {
        ErrorCounts tally = new ErrorCounts();
        SocketMeters meters = meters(tally, false);
        tally.onEvent(event("socket_error", "ECONNREFUSED", "refused", "connect", "socket", "127.0.0.1:1"));
        meters.sync();
        assertTrue(scrape().contains("socket_doctor_errors_total{api=\"socket\",cause=\"refused\",errno=\"ECONNREFUSED\",op=\"connect\"} 1.0\n"));
        tally.onEvent(event("socket_error", "ECONNREFUSED", "refused", "connect", "socket", "127.0.0.1:1"));
        tally.onEvent(event("socket_error", "EMFILE", "too_many_open_files", "create", "server_channel", null));
        meters.sync();
        String text = scrape();
        assertTrue(text.contains("socket_doctor_errors_total{api=\"socket\",cause=\"refused\",errno=\"ECONNREFUSED\",op=\"connect\"} 2.0\n"), text);
        assertTrue(text.contains("socket_doctor_errors_total{api=\"server_channel\",cause=\"too_many_open_files\",errno=\"EMFILE\",op=\"create\"} 1.0\n"), text);
    }

    @Test
    void metricsPeersAddsAPeerTagFoldedPastTheLimit() {
        ErrorCounts tally = fed(1); // 10.0.0.5 comes first; 10.0.0.6 and 10.0.0.7 are folded
        meters(tally, false).sync();
        String text = scrape();
        assertEquals(List.of(
                "socket_doctor_errors_total{api=\"channel\",cause=\"broken_pipe\",errno=\"EPIPE\",op=\"write\",peer=\"other\"} 1.0",
                "socket_doctor_errors_total{api=\"socket\",cause=\"peer_reset_read\",errno=\"ECONNRESET\",op=\"read\",peer=\"10.0.0.5\"} 3.0",
                "socket_doctor_errors_total{api=\"socket\",cause=\"read_timeout_jdk\",errno=\"none\",op=\"read\",peer=\"10.0.0.5\"} 1.0",
                "socket_doctor_errors_total{api=\"socket\",cause=\"unknown\",errno=\"unknown\",op=\"connect\",peer=\"other\"} 1.0"),
                samples(text, "socket_doctor_errors_total"), text);
        assertEquals(List.of("socket_doctor_warnings_total{api=\"socket\",kind=\"write_after_reset\",peer=\"10.0.0.5\"} 1.0"),
                samples(text, "socket_doctor_warnings_total"), text);
        assertFalse(text.contains(":5432"), "never a port\n" + text);
    }

    @Test
    void openMetricsWhenAskedForIt() {
        meters(fed(0), false).sync();
        String om = registry.scrape(OpenMetricsTextFormatWriter.CONTENT_TYPE);
        assertTrue(om.endsWith("# EOF\n"), om);
        assertTrue(om.contains("# TYPE socket_doctor_errors counter\n"), om);
        assertTrue(om.contains("socket_doctor_errors_total{api=\"socket\",cause=\"peer_reset_read\",errno=\"ECONNRESET\",op=\"read\"} 3.0\n"), om);
        assertEquals(OpenMetricsTextFormatWriter.CONTENT_TYPE,
                MetricsEndpoint.contentType(List.of("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")));
        assertEquals(PrometheusTextFormatWriter.CONTENT_TYPE, MetricsEndpoint.contentType(List.of("text/plain")));
        assertEquals(PrometheusTextFormatWriter.CONTENT_TYPE, MetricsEndpoint.contentType(null));
        assertEquals(PrometheusTextFormatWriter.CONTENT_TYPE, MetricsEndpoint.contentType(
                List.of("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")),
                "never protobuf: its writer is not in the jar");
    }
}
