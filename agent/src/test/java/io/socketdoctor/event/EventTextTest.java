package io.socketdoctor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTextTest {

    private static final Instant TS = Instant.parse("2024-05-01T12:34:56Z");
    private static final String DIAGNOSIS = "The peer sent a TCP RST while this side was reading.";
    private static final String HINT = "Look at the peer's logs at this time.";

    private static Event reset() {
        return Event.of(Event.SOCKET_ERROR).at(TS).errno("ECONNRESET", 104).cause("peer_reset_read", "exact")
                .call("read", "socket").exception("java.net.SocketException", "Connection reset")
                .ends("10.0.0.1:40000", "10.0.0.2:80").texts(DIAGNOSIS, HINT).thread("http-worker-3")
                .sites("com.acme.Client.send(Client.java:42)", null).build();
    }

    private static Event readTimeout() {
        return Event.of(Event.SOCKET_ERROR).at(TS).cause("read_timeout_jdk", "exact").call("read", "socket")
                .exception("java.net.SocketTimeoutException", "Read timed out")
                .ends("10.0.0.1:40000", "10.0.0.2:80")
                .texts("No byte arrived within SO_TIMEOUT.", "Check the peer's latency.").thread("main")
                .sites("com.acme.Client.poll(Client.java:7)", null).build();
    }

    @Test
    void theLogLineOfAResetNamesEverything() {
        String line = EventText.logLine(reset());
        for (String part : new String[] {"ECONNRESET", "errno 104", "peer_reset_read", " on read socket ",
                "10.0.0.1:40000", "10.0.0.2:80", "java.net.SocketException", "Connection reset",
                "com.acme.Client.send(Client.java:42)", "http-worker-3", DIAGNOSIS, "Hint: " + HINT}) {
            assertTrue(line.contains(part), "'" + part + "' missing from: " + line);
        }
        assertEquals("[socket-doctor] ECONNRESET (errno 104, peer_reset_read) on read socket 10.0.0.1:40000 -> 10.0.0.2:80"
                + ": java.net.SocketException: Connection reset at com.acme.Client.send(Client.java:42) [http-worker-3]"
                + " -- " + DIAGNOSIS + " Hint: " + HINT, line);
    }

    @Test
    void aTlsEventNamesItsPhaseInTheHeadline() {
        Event e = reset();
        Event tls = Event.of(e.type()).at(TS).errno(e.errno(), e.errnoCode())
                .cause("peer_reset_read_tls_handshake", e.confidence()).call(e.op(), e.api())
                .exception(e.exception(), e.message()).ends(e.local(), e.remote()).texts(DIAGNOSIS, HINT)
                .thread(e.thread()).sites(e.site(), null).tls("handshake").build();
        assertTrue(EventText.logLine(tls).startsWith("[socket-doctor] ECONNRESET (errno 104, peer_reset_read_tls_handshake)"
                + " on read socket (TLS handshake) 10.0.0.1:40000 -> 10.0.0.2:80: "), EventText.logLine(tls));
        assertTrue(EventText.note(tls).contains(" on read socket (TLS handshake) "), EventText.note(tls));
        assertFalse(EventText.logLine(e).contains("TLS"), "plain sockets say nothing about TLS");
    }

    @Test
    void anEventWithoutErrnoSaysSo() {
        String line = EventText.logLine(readTimeout());
        assertTrue(line.startsWith("[socket-doctor] read_timeout_jdk (no errno) on read socket "), line);
        assertFalse(line.matches(".*errno \\d+.*"), line);
        assertTrue(line.contains("java.net.SocketTimeoutException: Read timed out"), line);
    }

    @Test
    void anInferredErrnoSaysSo() {
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).errno("EPIPE", 32).cause("write_after_own_shutdown", "inferred")
                .call("write", "socket").exception("java.net.SocketException", "Broken pipe")
                .ends(null, "10.0.0.2:80").texts("D.", "H.").thread("main").build();
        assertTrue(EventText.logLine(e).startsWith(
                "[socket-doctor] EPIPE (errno 32, inferred, write_after_own_shutdown) on write socket -> 10.0.0.2:80: "),
                EventText.logLine(e));
    }

    @Test
    void anErrnoWithoutNumberOnThisPlatformLeavesTheNumberOut() {
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).errno("EPIPE", null).cause("broken_pipe", "exact")
                .call("write", "channel").exception("java.io.IOException", "Broken pipe").texts("D.", "H.")
                .thread("main").build();
        assertEquals("[socket-doctor: EPIPE (broken_pipe)]", EventText.tag(e));
    }

    @Test
    void anUnrecognisedFailureIsNamedSo() {
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).call("read", "socket")
                .exception("java.net.SocketException", "Something odd happened").texts("No rule.", "Report it.")
                .thread("main").build();
        assertTrue(EventText.logLine(e).startsWith("[socket-doctor] unrecognised failure on read socket: "),
                EventText.logLine(e));
        assertEquals("[socket-doctor: unrecognised failure]", EventText.tag(e));
    }

    @Test
    void missingMessageSiteAndAddressesAreLeftOut() {
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).cause("channel_closed", "exact").call("write", "channel")
                .exception("java.nio.channels.ClosedChannelException", null).texts("D.", "H.").thread("main")
                .build();
        assertEquals("[socket-doctor] channel_closed (no errno) on write channel: "
                + "java.nio.channels.ClosedChannelException [main] -- D. Hint: H.", EventText.logLine(e));
    }

    @Test
    void theTagIsShortAndBracketed() {
        String tag = EventText.tag(reset());
        assertEquals("[socket-doctor: ECONNRESET (errno 104, peer_reset_read)]", tag);
        assertTrue(tag.length() <= 80, tag);
        assertFalse(tag.contains(DIAGNOSIS) || tag.contains("Hint"), tag);
        assertEquals("[socket-doctor: read_timeout_jdk (no errno)]", EventText.tag(readTimeout()));
    }

    @Test
    void theNoteHasHeadlineDiagnosisAndHint() {
        assertEquals("[socket-doctor] ECONNRESET (errno 104, peer_reset_read) on read socket 10.0.0.1:40000 -> 10.0.0.2:80: "
                + DIAGNOSIS + " Hint: " + HINT, EventText.note(reset()));
    }

    @Test
    void theSummaryLine() {
        assertEquals("[socket-doctor] 7 more ECONNRESET like this in the last 1 s", EventText.summary("ECONNRESET", 7, 1));
    }

    @Test
    void theLogLineStaysOnOneLine() {
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).cause("unknown_host", "exact").call("connect", "socket")
                .exception("java.net.UnknownHostException", "evil\n[socket-doctor] forged line\r")
                .texts("D.", "H.").thread("main").build();
        String line = EventText.logLine(e);
        assertFalse(line.contains("\n") || line.contains("\r"), line);
        assertTrue(line.contains("evil"), line);
    }

    /** A consequence names its first failure; the application's frame and the library follow the site. */
    @Test
    void theLogLineOfAConsequenceNamesItsFirstFailureAndTheApplicationsFrame() {
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).cause("closed_after_refused", "exact").call("connect", "channel")
                .exception("java.nio.channels.ClosedChannelException", null).ends(null, "127.0.0.1:9")
                .texts(DIAGNOSIS, HINT).thread("HttpClient-1-Worker-0")
                .sites("okhttp3.internal.Call.run(Call.kt:9)", "com.acme.Main.main(Main.java:3)")
                .library("okhttp").after(new Event.After("ECONNREFUSED", "refused", 3, 1)).nanos(2).build();
        assertEquals("[socket-doctor] closed_after_refused (no errno; follow-up of ECONNREFUSED 3 ms earlier) on"
                + " connect channel -> 127.0.0.1:9: java.nio.channels.ClosedChannelException at"
                + " okhttp3.internal.Call.run(Call.kt:9) from com.acme.Main.main(Main.java:3) [HttpClient-1-Worker-0, okhttp]"
                + " -- " + DIAGNOSIS + " Hint: " + HINT, EventText.logLine(e));
        Event epipe = Event.of(Event.SOCKET_ERROR).at(TS).errno("EPIPE", 32).cause("broken_pipe_after_reset", "exact")
                .call("write", "socket").exception("java.net.SocketException", "Broken pipe")
                .texts(DIAGNOSIS, HINT).thread("main")
                .after(new Event.After("ECONNRESET", "peer_reset_read", 1250, 1)).nanos(2).build();
        assertTrue(EventText.logLine(epipe).startsWith(
                "[socket-doctor] EPIPE (errno 32, broken_pipe_after_reset; follow-up of ECONNRESET 1.2 s earlier) on write"),
                EventText.logLine(epipe));
    }
}
