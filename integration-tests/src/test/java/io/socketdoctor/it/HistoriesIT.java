package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Connection histories, on real loopback connections in child JVMs: warnings before the damage,
 * the history in the diagnosis, the CLOSE_WAIT leak finder and the kernel's TCP state.
 */
class HistoriesIT {

    private static final List<String> SCENARIOS = List.of("write-after-eof", "write-after-reset-seen",
            "reset-after-idle", "stale-pooled-connection", "close-wait-leak", "reset-on-fresh-accept",
            "reset-during-read");

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void historiesWarningsAndLeaks(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("histories-jdk" + jvm.feature()).resolve("events.jsonl");
        List<String> args = Stream.concat(
                Stream.of(Jvm.agent("events=" + events + ",idle.after=1s,closewait.after=1s"), "-jar",
                        Jvm.demoJar().toString()),
                SCENARIOS.stream()).collect(Collectors.toList());
        Jvm.Result run = jvm.run(args);
        assertEquals(0, run.exitCode(), run::describe);
        Events all = Events.read(events);
        String context = "\n" + run.describe();

        // FIN, EOF read, then two writes: a warning on the first, the failure of the second carries the EOF.
        List<Map<String, Object>> eof = all.atSite("writeAfterEof");
        assertEquals(List.of("write_after_peer_close", "socket_error"), types(eof), context);
        Map<String, Object> warning = eof.get(0);
        assertTrue(((String) warning.get("eof_site")).contains("writeAfterEof"), context);
        assertNotNull(warning.get("eof_at"), context);
        Map<String, Object> failure = eof.get(1);
        assertTrue(Set.of("broken_pipe_after_eof", "peer_reset_write_after_eof").contains(failure.get("cause")), context);
        assertTrue(((String) failure.get("history")).contains("peer closed (EOF read)"), context);
        assertTrue(((String) failure.get("diagnosis")).contains("writeAfterEof"), "the diagnosis names the EOF site" + context);
        assertTrue(Set.of("GONE", "CLOSE").contains(failure.get("tcp_state")), "after a reset the kernel has no row" + context);

        // A reset seen on read, then a write: warned, and the failure says the reset was known.
        List<Map<String, Object>> reset = all.atSite("writeAfterResetSeen");
        assertEquals(List.of("socket_error", "write_after_reset", "socket_error"), types(reset), context);
        assertEquals("peer_reset_read", reset.get(0).get("cause"), context);
        assertEquals("GONE", reset.get(0).get("tcp_state"), "never invented: the row is gone after RST" + context);
        assertEquals("ECONNRESET", reset.get(1).get("reset_errno"), context);
        assertEquals("broken_pipe_after_reset", reset.get(2).get("cause"), context);

        // Idle then reset: idle_ms reflects the 1.3 s of silence.
        Map<String, Object> idle = single(all.atSite("resetAfterIdle"), context);
        assertEquals("peer_reset_read_after_idle", idle.get("cause"), context);
        long idleMs = (Long) idle.get("idle_ms");
        assertTrue(idleMs >= 1100 && idleMs <= 5000, "idle_ms=" + idleMs + context);
        assertTrue(((String) idle.get("diagnosis")).contains("idle for 1."), context);

        // EOF on the first read after an idle period: a stale pooled connection.
        Map<String, Object> stale = single(all.atSite("stalePooledConnection"), context);
        assertEquals("stale_connection", stale.get("event"), context);
        // The quiet period before the request (1.3 s), not the moments since the request was sent.
        assertTrue(((String) stale.get("diagnosis")).contains("idle for 1."), stale.get("diagnosis") + context);

        // EOF read, never closed: reported once, confirmed by the kernel.
        Map<String, Object> leak = single(all.where(e -> "close_wait_leak".equals(e.get("event"))
                && String.valueOf(e.get("eof_site")).contains("closeWaitLeak")), context);
        assertEquals("CLOSE_WAIT", leak.get("tcp_state"), context);
        assertTrue(String.valueOf(leak.get("remote")).startsWith("127.0.0.1:"), context);
        assertTrue((Long) leak.get("age_ms") >= 1000, context);
        assertTrue(run.stderr().contains("WARNING close_wait_leak"), context);

        // A client that aborted while queued: the first read of the accepted socket.
        Map<String, Object> queued = single(all.atSite("resetOnFreshAccept"), context);
        assertEquals("peer_reset_read_fresh_accept", queued.get("cause"), context);
        assertEquals("ECONNRESET", queued.get("errno"), context);

        // A plain reset keeps its plain diagnosis, with the kernel's view.
        Map<String, Object> plain = single(all.atSite("resetDuringRead"), context);
        assertEquals("peer_reset_read", plain.get("cause"), context);
        assertTrue(Set.of("GONE", "CLOSE").contains(plain.get("tcp_state")), context);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aHundredThousandConnectionsLeaveNothingBehind(Jvm jvm) throws Exception {
        Jvm.Result run = jvm.run(List.of(Jvm.agent(null), "-cp", Jvm.testClasspath(),
                io.socketdoctor.it.probe.Probe.class.getName(), "churn", "100000"));
        String context = "\n" + run.describe();
        assertEquals(0, run.exitCode(), context);
        assertTrue(run.stdout().contains("churn connections=100000\n"), context);
        assertTrue(run.stdout().contains("tracked=0\n"), "every closed connection is forgotten" + context);
        assertTrue(run.stdout().contains("capacity=1024\n"), "the table never had to grow" + context);
        // Both ends of every connection are in this JVM: 200 000 opened, all closed.
        assertTrue(run.stdout().contains("opened=200000 closed=200000"), context);
    }

    private static List<Object> types(List<Map<String, Object>> events) {
        return events.stream().map(e -> e.get("event")).collect(Collectors.toList());
    }

    private static Map<String, Object> single(List<Map<String, Object>> events, String context) {
        assertEquals(1, events.size(), events + context);
        return events.get(0);
    }
}
