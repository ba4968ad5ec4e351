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
        return new Event(TS, Event.SOCKET_ERROR, "ECONNRESET", 104, "exact", "peer_reset_read", "read", "socket",
                "java.net.SocketException", "Connection reset", "10.0.0.1:40000", "10.0.0.2:80",
                DIAGNOSIS, HINT, "http-worker-3", "com.acme.Client.send(Client.java:42)");
    }

    private static Event readTimeout() {
        return new Event(TS, Event.SOCKET_ERROR, null, null, "exact", "read_timeout_jdk", "read", "socket",
                "java.net.SocketTimeoutException", "Read timed out", "10.0.0.1:40000", "10.0.0.2:80",
                "No byte arrived within SO_TIMEOUT.", "Check the peer's latency.", "main", "com.acme.Client.poll(Client.java:7)");
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
        Event tls = new Event(TS, e.type(), e.errno(), e.errnoCode(), e.confidence(), "peer_reset_read_tls_handshake",
                e.op(), e.api(), e.exception(), e.message(), e.local(), e.remote(), DIAGNOSIS, HINT, e.thread(),
                e.site(), null, null, "handshake");
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
        Event e = new Event(TS, Event.SOCKET_ERROR, "EPIPE", 32, "inferred", "write_after_own_shutdown", "write",
                "socket", "java.net.SocketException", "Broken pipe", null, "10.0.0.2:80", "D.", "H.", "main", null);
        assertTrue(EventText.logLine(e).startsWith(
                "[socket-doctor] EPIPE (errno 32, inferred, write_after_own_shutdown) on write socket -> 10.0.0.2:80: "),
                EventText.logLine(e));
    }

    @Test
    void anErrnoWithoutNumberOnThisPlatformLeavesTheNumberOut() {
        Event e = new Event(TS, Event.SOCKET_ERROR, "EPIPE", null, "exact", "broken_pipe", "write", "channel",
                "java.io.IOException", "Broken pipe", null, null, "D.", "H.", "main", null);
        assertEquals("[socket-doctor: EPIPE (broken_pipe)]", EventText.tag(e));
    }

    @Test
    void anUnrecognisedFailureIsNamedSo() {
        Event e = new Event(TS, Event.SOCKET_ERROR, null, null, null, null, "read", "socket",
                "java.net.SocketException", "Something odd happened", null, null, "No rule.", "Report it.", "main", null);
        assertTrue(EventText.logLine(e).startsWith("[socket-doctor] unrecognised failure on read socket: "),
                EventText.logLine(e));
        assertEquals("[socket-doctor: unrecognised failure]", EventText.tag(e));
    }

    @Test
    void missingMessageSiteAndAddressesAreLeftOut() {
        Event e = new Event(TS, Event.SOCKET_ERROR, null, null, "exact", "channel_closed", "write", "channel",
                "java.nio.channels.ClosedChannelException", null, null, null, "D.", "H.", "main", null);
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
        Event e = new Event(TS, Event.SOCKET_ERROR, null, null, "exact", "unknown_host", "connect", "socket",
                "java.net.UnknownHostException", "evil\n[socket-doctor] forged line\r", null, null, "D.", "H.", "main", null);
        String line = EventText.logLine(e);
        assertFalse(line.contains("\n") || line.contains("\r"), line);
        assertTrue(line.contains("evil"), line);
    }

    /** A consequence names its first failure; the application's frame and the library follow the site. */
    @Test
    void theLogLineOfAConsequenceNamesItsFirstFailureAndTheApplicationsFrame() {
        Event e = new Event(TS, Event.SOCKET_ERROR, null, null, "exact", "closed_after_refused", "connect", "channel",
                "java.nio.channels.ClosedChannelException", null, null, "127.0.0.1:9", DIAGNOSIS, HINT,
                "HttpClient-1-Worker-0", "okhttp3.internal.Call.run(Call.kt:9)", null, null, null,
                "com.acme.Main.main(Main.java:3)", "okhttp", new Event.After("ECONNREFUSED", "refused", 3, 1), 2);
        assertEquals("[socket-doctor] closed_after_refused (no errno; follow-up of ECONNREFUSED 3 ms earlier) on"
                + " connect channel -> 127.0.0.1:9: java.nio.channels.ClosedChannelException at"
                + " okhttp3.internal.Call.run(Call.kt:9) from com.acme.Main.main(Main.java:3) [HttpClient-1-Worker-0, okhttp]"
                + " -- " + DIAGNOSIS + " Hint: " + HINT, EventText.logLine(e));
        Event epipe = new Event(TS, Event.SOCKET_ERROR, "EPIPE", 32, "exact", "broken_pipe_after_reset", "write",
                "socket", "java.net.SocketException", "Broken pipe", null, null, DIAGNOSIS, HINT, "main", null, null, null,
                null, null, null, new Event.After("ECONNRESET", "peer_reset_read", 1250, 1), 2);
        assertTrue(EventText.logLine(epipe).startsWith(
                "[socket-doctor] EPIPE (errno 32, broken_pipe_after_reset; follow-up of ECONNRESET 1.2 s earlier) on write"),
                EventText.logLine(epipe));
    }
}
