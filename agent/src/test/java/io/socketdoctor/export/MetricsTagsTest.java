package io.socketdoctor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.socketdoctor.event.ErrorCounts;
import io.socketdoctor.event.ErrorCounts.Series;
import io.socketdoctor.event.Event;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The series the metrics read: capped, with {@code metrics.peers} folding hosts past its limit into {@code other}. */
class MetricsTagsTest {

    static Event event(String type, String errno, String cause, String op, String api, String remote) {
        return Event.of(type).at(Instant.EPOCH).errno(errno, errno == null ? null : 104)
                .cause(cause, cause == null ? null : "exact").call(op, api)
                .exception("java.net.SocketException", "Connection reset").ends("127.0.0.1:40000", remote)
                .texts("d", "h").thread("main").sites("com.acme.Client.send(Client.java:42)", null).build();
    }

    @Test
    void theCountsFoldPeersAndCapTheirSeries() {
        ErrorCounts tally = new ErrorCounts(1);
        tally.onEvent(event("socket_error", "ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.1:5432"));
        tally.onEvent(event("socket_error", "ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.2:5432"));
        tally.onEvent(event("socket_error", "ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.3:5432"));
        assertEquals(1, tally.count(Series.error("ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.1")));
        assertEquals(2, tally.count(Series.error("ECONNRESET", "peer_reset_read", "read", "socket", "other")));

        ErrorCounts capped = new ErrorCounts();
        for (int i = 0; i < 500 + 50; i++) {
            capped.onEvent(event("socket_error", "ECONNRESET", "rule_" + i, "read", "socket", null));
        }
        assertEquals(500 + 1, capped.series(ErrorCounts.Kind.ERROR).size(), "the cap plus one overflow series");
        assertEquals(50, capped.count(Series.error("other", "other", "other", "other", null)));
    }

    @Test
    void warningsAreCountedByKindAndLeaksByThemselvesAndOtherTypesNotAsMetrics() {
        ErrorCounts tally = new ErrorCounts();
        tally.onEvent(event("write_after_reset", null, "write_after_reset", "write", "socket", null));
        tally.onEvent(event("write_after_peer_close", null, "write_after_peer_close", "write", "channel", null));
        tally.onEvent(event("write_after_peer_close", null, "write_after_peer_close", "write", "channel", null));
        tally.onEvent(event("close_wait_leak", null, "close_wait_leak", "close", "socket", null));
        tally.onEvent(event("close_wait_census", null, "close_wait_census", "close", null, null));
        assertEquals(1, tally.count(Series.warning("write_after_reset", "socket", null)));
        assertEquals(2, tally.count(Series.warning("write_after_peer_close", "channel", null)));
        assertEquals(2, tally.series(ErrorCounts.Kind.WARNING).size());
        assertEquals(1, tally.closeWaitLeakEvents());
        assertEquals(0, tally.series(ErrorCounts.Kind.ERROR).size());
        assertEquals(0, tally.failures());
    }

    @Test
    void theStatusAndTheMetricsReadTheSameCounts() {
        ErrorCounts counts = MetricsExpositionTest.fed(0);
        assertEquals(6, counts.failures());
        assertEquals("ECONNRESET 3, none 2, EPIPE 1", ErrorCounts.format(counts.byErrno()),
                "no errno: none in the status, whether a rule matched (metrics: none) or not (metrics: unknown)");
        assertEquals("peer_reset_read 3, broken_pipe 1, none 1, read_timeout_jdk 1", ErrorCounts.format(counts.byCause()));
        assertEquals("close_wait_leak 1, write_after_reset 1", ErrorCounts.format(counts.otherEvents()));
        assertEquals(1, counts.count(Series.error("unknown", "unknown", "connect", "socket", null)));
    }
}
