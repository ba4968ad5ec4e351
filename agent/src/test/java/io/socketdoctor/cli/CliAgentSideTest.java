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
        AgentArguments.Request r = AgentArguments.parse("command=status,reply=/tmp/r.txt,events=/tmp/e.jsonl,log.rate:7");
        assertEquals("status", r.command());
        assertEquals("/tmp/r.txt", r.reply());
        assertEquals("events=/tmp/e.jsonl,log.rate:7", r.options());
        AgentArguments.Request colon = AgentArguments.parse("command:detach");
        assertEquals("detach", colon.command());
        assertNull(colon.reply());
        assertEquals("", colon.options());
        // a plain load (jcmd JVMTI.agent_load, -javaagent): no command, options untouched
        AgentArguments.Request plain = AgentArguments.parse("events=/tmp/e.jsonl");
        assertNull(plain.command());
        assertEquals("events=/tmp/e.jsonl", plain.options());
        assertNull(AgentArguments.parse(null).command());
        assertEquals("command=detach,reply=/tmp/r.txt", AgentArguments.format(AgentArguments.DETACH, "/tmp/r.txt", ""));
        AgentArguments.Request back = AgentArguments.parse(AgentArguments.format("attach", "/tmp/r.txt", "log=off"));
        assertEquals(new AgentArguments.Request("attach", "/tmp/r.txt", "log=off"), back);
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
        String value = PresenceMarks.describe("1.2", PresenceMarks.VIA_ATTACH, since, "log=stderr,events=/tmp/a;b=c.jsonl");
        Map<String, String> fields = PresenceMarks.fields(value);
        assertEquals("1.2", fields.get("version"));
        assertEquals("attach", fields.get("via"));
        assertEquals(since.toString(), fields.get("since"));
        assertEquals("log=stderr,events=/tmp/a;b=c.jsonl", fields.get("options"));
        assertTrue(PresenceMarks.fields(null).isEmpty());
    }

    @Test
    void markerIsReadOnlyForTheSameProcess(@TempDir Path dir) throws Exception {
        Instant start = Instant.ofEpochMilli(1_700_000_000_000L);
        Path marker = dir.resolve(".socket-doctor-42");
        Files.write(marker, PresenceMarks.markerText(42, Optional.of(start), "via=attach;options=log=stderr")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("via=attach;options=log=stderr", PresenceMarks.readMarker(42, marker, Optional.of(start), null));
        assertEquals("via=attach;options=log=stderr",
                PresenceMarks.readMarker(42, marker, Optional.of(start.plusMillis(400)), null), "clock rounding");
        assertNull(PresenceMarks.readMarker(42, marker, Optional.of(start.plusSeconds(60)), null),
                "a marker left by an earlier process with the same pid");
        assertNull(PresenceMarks.readMarker(42, dir.resolve("absent"), Optional.of(start), null));
        if (PresenceMarks.isLinux()) {
            Object myUid = Files.getAttribute(marker, "unix:uid");
            assertEquals("via=attach;options=log=stderr", PresenceMarks.readMarker(42, marker, Optional.of(start), myUid));
            assertNull(PresenceMarks.readMarker(42, marker, Optional.of(start), ((Integer) myUid) + 1),
                    "a marker not owned by the process's user");
            Path link = dir.resolve(".socket-doctor-43");
            Files.createSymbolicLink(link, marker);
            assertNull(PresenceMarks.readMarker(43, link, Optional.of(start), null), "links are not followed");
        }
    }

    @Test
    void listRemovesTheMarkersOfProcessesThatAreGone() throws Exception {
        Assumptions.assumeTrue(PresenceMarks.isLinux(), "markers are checked through unix:uid");
        long gone = 4_194_304L + 17; // above the largest pid_max Linux allows: no such process
        long alive = ProcessHandle.current().pid();
        Path stale = PresenceMarks.markerDirectory().resolve(PresenceMarks.MARKER_PREFIX + gone);
        Path live = PresenceMarks.markerDirectory().resolve(PresenceMarks.MARKER_PREFIX + alive);
        Files.writeString(stale, "pid=" + gone + "\n");
        Files.writeString(live, "pid=" + alive + "\n");
        try {
            Integer me = (Integer) Files.getAttribute(stale, "unix:uid");
            assertTrue(PresenceMarks.removeStaleMarkers(me) >= 1);
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
        assertEquals("5 s", StatusText.age(t, t.plusSeconds(5)));
        assertEquals("2 min 3 s", StatusText.age(t, t.plusSeconds(123)));
        assertEquals("1 h 1 min", StatusText.age(t, t.plusSeconds(3_661)));
    }
}
