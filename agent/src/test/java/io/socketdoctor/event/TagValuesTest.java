package io.socketdoctor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Tag values come from closed sets only, and {@code metrics.peers} folds hosts past its limit into {@code other}. */
class TagValuesTest {

    private static Event event(String type, String errno, String cause, String op, String api, String remote) {
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
}
