package io.socketdoctor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.event.ErrorCounts;
import io.socketdoctor.event.Event;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What passes between the CLI and the agent inside the JVM: arguments, replies, presence marks, counts. */
class CliAgentSideTest {

    @Test
    void commandKeysAreSplitFromTheOptions() {
        AgentCommand.Request r = AgentCommand.parse("command=status,reply=/tmp/r.txt,events=/tmp/e.jsonl,log.rate:7");
        assertEquals("status", r.command());
        assertEquals("/tmp/r.txt", r.reply());
        assertEquals("events=/tmp/e.jsonl,log.rate:7", r.options());
        AgentCommand.Request colon = AgentCommand.parse("command:detach");
        assertEquals("detach", colon.command());
        assertNull(colon.reply());
        assertEquals("", colon.options());
        // a plain load (jcmd JVMTI.agent_load, -javaagent): no command, options untouched
        AgentCommand.Request plain = AgentCommand.parse("events=/tmp/e.jsonl");
        assertNull(plain.command());
        assertEquals("events=/tmp/e.jsonl", plain.options());
        assertNull(AgentCommand.parse(null).command());
        assertFalse(AgentCommand.handle("events=/tmp/e.jsonl", null), "not a command: the caller starts the agent");
    }

    @Test
    void replyRoundTripAndGarbage() {
        for (Reply.Result result : Reply.Result.values()) {
            Reply reply = new Reply(result, "line one\nline two");
            assertEquals(reply, Reply.parse(reply.format()));
        }
        assertEquals(Reply.Result.FAILED, Reply.parse("").result());
        assertEquals(Reply.Result.FAILED, Reply.parse(null).result());
        assertEquals(Reply.Result.FAILED, Reply.parse("result=exploded\nx").result());
        assertEquals(Reply.Result.FAILED, Reply.parse("hello").result());
        assertEquals(ExitCode.NOT_ATTACHED, Reply.Result.NOT_ATTACHED.exitCode());
        assertEquals(ExitCode.USAGE, Reply.Result.BAD_OPTIONS.exitCode());
        assertEquals(ExitCode.OTHER_OPTIONS, Reply.Result.ALREADY_ATTACHED_OTHER_OPTIONS.exitCode());
    }

    @Test
    void presenceValueFields() {
        Instant since = Instant.parse("2025-01-02T03:04:05Z");
        String value = Presence.describe("1.2", Presence.VIA_ATTACH, since, "log=stderr,events=/tmp/a;b=c.jsonl");
        Map<String, String> fields = Presence.fields(value);
        assertEquals("1.2", fields.get("version"));
        assertEquals("attach", fields.get("via"));
        assertEquals(since.toString(), fields.get("since"));
        assertEquals("log=stderr,events=/tmp/a;b=c.jsonl", fields.get("options"));
        assertTrue(Presence.fields(null).isEmpty());
    }

    @Test
    void markerIsReadOnlyForTheSameProcess(@TempDir Path dir) throws Exception {
        Instant start = Instant.ofEpochMilli(1_700_000_000_000L);
        Path marker = dir.resolve(".socket-doctor-42");
        Files.write(marker, Presence.markerText(42, Optional.of(start), "via=attach;options=log=stderr")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("via=attach;options=log=stderr", Presence.readMarker(42, marker, Optional.of(start), null));
        assertEquals("via=attach;options=log=stderr",
                Presence.readMarker(42, marker, Optional.of(start.plusMillis(400)), null), "clock rounding");
        assertNull(Presence.readMarker(42, marker, Optional.of(start.plusSeconds(60)), null),
                "a marker left by an earlier process with the same pid");
        assertNull(Presence.readMarker(42, dir.resolve("absent"), Optional.of(start), null));
        if (Presence.isLinux()) {
            Object myUid = Files.getAttribute(marker, "unix:uid");
            assertEquals("via=attach;options=log=stderr", Presence.readMarker(42, marker, Optional.of(start), myUid));
            assertNull(Presence.readMarker(42, marker, Optional.of(start), ((Integer) myUid) + 1),
                    "a marker not owned by the process's user");
            Path link = dir.resolve(".socket-doctor-43");
            Files.createSymbolicLink(link, marker);
            assertNull(Presence.readMarker(43, link, Optional.of(start), null), "links are not followed");
        }
    }

    @Test
    void listRemovesTheMarkersOfProcessesThatAreGone() throws Exception {
        Assumptions.assumeTrue(Presence.isLinux(), "markers are checked through unix:uid");
        long gone = 4_194_304L + 17; // above the largest pid_max Linux allows: no such process
        long alive = ProcessHandle.current().pid();
        Path stale = Presence.markerDirectory().resolve(Presence.MARKER_PREFIX + gone);
        Path live = Presence.markerDirectory().resolve(Presence.MARKER_PREFIX + alive);
        Files.writeString(stale, "pid=" + gone + "\n");
        Files.writeString(live, "pid=" + alive + "\n");
        try {
            Integer me = (Integer) Files.getAttribute(stale, "unix:uid");
            assertTrue(Presence.removeStaleMarkers(me) >= 1);
            assertFalse(Files.exists(stale), "the marker of a process that is gone");
            assertTrue(Files.exists(live), "the marker of a running process stays");
        } finally {
            Files.deleteIfExists(stale);
            Files.deleteIfExists(live);
        }
    }

    @Test
    void errorCountsAreBoundedAndSorted() {
        ErrorCounts counts = new ErrorCounts();
        for (int i = 0; i < 3; i++) {
            counts.onEvent(event("ECONNREFUSED", "refused"));
        }
        counts.onEvent(event("ECONNRESET", "peer_reset_read"));
        counts.onEvent(event(null, null));
        counts.onEvent(Event.of("write_after_eof").at(Instant.now()).call("write", "socket").thread("t").build());
        assertEquals(5, counts.failures());
        assertEquals("ECONNREFUSED 3, ECONNRESET 1, none 1", ErrorCounts.format(counts.byErrno()));
        assertEquals("refused 3, none 1, peer_reset_read 1", ErrorCounts.format(counts.byCause()));
        assertEquals("write_after_eof 1", ErrorCounts.format(counts.otherEvents()));
        assertEquals("none", ErrorCounts.format(new ErrorCounts().byErrno()));

        ErrorCounts flood = new ErrorCounts();
        for (int i = 0; i < 10_000; i++) {
            flood.onEvent(event("E" + i, "c" + i));
        }
        assertEquals(10_000, flood.failures());
        assertTrue(flood.byErrno().size() <= 501, "bounded by the error series cap: " + flood.byErrno().size());
        assertTrue(flood.byErrno().get("other") > 9_000, "the rest is counted as other");
    }

    private static Event event(String errno, String cause) {
        return Event.of(Event.SOCKET_ERROR).at(Instant.now()).errno(errno, null).cause(cause, null)
                .call("read", "socket").exception("java.net.SocketException", "x").thread("main").build();
    }

    @Test
    void ageIsShort() {
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        assertEquals("5 s", AgentCommand.age(t, t.plusSeconds(5)));
        assertEquals("2 min 3 s", AgentCommand.age(t, t.plusSeconds(123)));
        assertEquals("1 h 1 min", AgentCommand.age(t, t.plusSeconds(3_661)));
    }
}
