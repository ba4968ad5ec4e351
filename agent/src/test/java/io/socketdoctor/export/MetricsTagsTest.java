package io.socketdoctor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.socketdoctor.event.Event;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Tag values come from closed sets only, and {@code metrics.peers} folds hosts past its limit into {@code other}. */
class MetricsTagsTest {

    static Event event(String type, String errno, String cause, String op, String api, String remote) {
        return Event.of(type).at(Instant.EPOCH).errno(errno, errno == null ? null : 104)
                .cause(cause, cause == null ? null : "exact").call(op, api)
                .exception("java.net.SocketException", "Connection reset").ends("127.0.0.1:40000", remote)
                .texts("d", "h").thread("main").sites("com.acme.Client.send(Client.java:42)", null).build();
    }

    @Test
    void errnoIsTheSymbolOrNoneForTheJdksOwnErrorsOrUnknownWhenNoRuleMatched() {
        assertEquals("ECONNRESET", TagValues.errno(event("socket_error", "ECONNRESET", "peer_reset_read", "read", "socket", null)));
        assertEquals("none", TagValues.errno(event("socket_error", null, "read_timeout_jdk", "read", "socket", null)));
        assertEquals("unknown", TagValues.errno(event("socket_error", null, null, "read", "socket", null)));
        assertEquals("unknown", TagValues.cause(event("socket_error", null, null, "read", "socket", null)));
        assertEquals("read_timeout_jdk", TagValues.cause(event("socket_error", null, "read_timeout_jdk", "read", "socket", null)));
    }

    @ParameterizedTest
    @CsvSource({
        "ECONNRESET, true, ECONNRESET",
        "EADDRNOTAVAIL, true, EADDRNOTAVAIL",
        "E2BIG, true, E2BIG",
        "econnreset, true, other",
        "Connection reset, true, other",
        "2BIG, true, other",
        "peer_reset_read, false, peer_reset_read",
        "server_channel, false, server_channel",
        "127.0.0.1:8080, false, other",
        "Peer_Reset, false, other",
        "a-b, false, other",
    })
    void onlyIdentifiersOfTheExpectedCaseAreTagValues(String value, boolean upper, String tag) {
        assertEquals(tag, TagValues.token(value, upper));
    }

    @Test
    void aValueTooLongToBeARuleIdIsOther() {
        assertEquals("other", TagValues.token("a".repeat(49), false));
        assertEquals("a".repeat(48), TagValues.token("a".repeat(48), false));
        assertEquals("other", TagValues.token("", false));
        assertEquals("none", TagValues.label(null));
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.7:5432, 10.0.0.7",
        "127.0.0.1:1, 127.0.0.1",
        "[::1]:8080, ::1",
        "[2001:db8::17]:443, 2001:db8::17",
        "[::ffff:10.1.2.3]:80, ::ffff:10.1.2.3",
    })
    void thePeerIsTheIpWithoutThePort(String remote, String host) {
        assertEquals(host, PeerFolder.hostOf(remote));
    }

    @ParameterizedTest
    @CsvSource({"db.example:5432", "8080", ":8080", "[fe80::1%eth0]:80", "[]:80", "10.0.0.7"})
    void aNameOrAnythingElseIsNoPeer(String remote) {
        assertNull(PeerFolder.hostOf(remote));
    }

    @Test
    void theFirstNHostsKeepTheirTagAndTheRestAreOther() {
        PeerFolder peers = new PeerFolder(2);
        assertEquals("10.0.0.1", peers.fold("10.0.0.1:5432"));
        assertEquals("10.0.0.1", peers.fold("10.0.0.1:5433")); // another port, same host: same series
        assertEquals("::1", peers.fold("[::1]:80"));
        assertEquals("other", peers.fold("10.0.0.2:5432"));
        assertEquals("other", peers.fold("10.0.0.3:80"));
        assertEquals("10.0.0.1", peers.fold("10.0.0.1:1"), "a kept host stays kept");
        assertEquals("none", peers.fold(null));
        assertEquals("other", peers.fold("db.example:5432"));
    }

    @Test
    void theTallyFoldsPeersAndCapsItsSeries() {
        EventTally tally = new EventTally(1);
        tally.onEvent(event("socket_error", "ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.1:5432"));
        tally.onEvent(event("socket_error", "ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.2:5432"));
        tally.onEvent(event("socket_error", "ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.3:5432"));
        assertEquals(1, count(tally, new EventTally.ErrorKey("ECONNRESET", "peer_reset_read", "read", "socket", "10.0.0.1")));
        assertEquals(2, count(tally, new EventTally.ErrorKey("ECONNRESET", "peer_reset_read", "read", "socket", "other")));

        EventTally capped = new EventTally(0);
        for (int i = 0; i < EventTally.MAX_ERROR_SERIES + 50; i++) {
            capped.onEvent(event("socket_error", "ECONNRESET", "rule_" + i, "read", "socket", null));
        }
        assertEquals(EventTally.MAX_ERROR_SERIES + 1, capped.errors().size(), "the cap plus one overflow series");
        assertEquals(50, count(capped, new EventTally.ErrorKey("other", "other", "other", "other", null)));
    }

    @Test
    void warningsAreCountedByKindAndLeaksByThemselvesAndOtherTypesNotAtAll() {
        EventTally tally = new EventTally(0);
        tally.onEvent(event("write_after_reset", null, "write_after_reset", "write", "socket", null));
        tally.onEvent(event("write_after_peer_close", null, "write_after_peer_close", "write", "channel", null));
        tally.onEvent(event("write_after_peer_close", null, "write_after_peer_close", "write", "channel", null));
        tally.onEvent(event("close_wait_leak", null, "close_wait_leak", "close", "socket", null));
        tally.onEvent(event("close_wait_census", null, "close_wait_census", "close", null, null));
        assertEquals(1, tally.warnings().get(new EventTally.WarningKey("write_after_reset", "socket", null)).sum());
        assertEquals(2, tally.warnings().get(new EventTally.WarningKey("write_after_peer_close", "channel", null)).sum());
        assertEquals(2, tally.warnings().size());
        assertEquals(1, tally.closeWaitLeakEvents());
        assertEquals(0, tally.errors().size());
    }

    private static long count(EventTally tally, EventTally.ErrorKey key) {
        return tally.errors().containsKey(key) ? tally.errors().get(key).sum() : 0;
    }
}
