package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A JVM that cannot read /proc/net/tcp (issue 14), through a real mechanism: it runs in its own
 * mount namespace on a procfs mounted with {@code subset=pid}, as systemd's {@code ProcSubset=pid}
 * runs services, where /proc holds only the process directories and /proc/net is gone. (Masking
 * the file with a bind mount of /dev/null, as container runtimes mask other /proc paths, does not
 * hold on current kernels: /proc/&lt;pid&gt;/net entries are looked up afresh every time.)
 *
 * <p>Six connections reset by their peer, 300 ms apart (longer than the agent's 200 ms between two
 * reads of /proc, so a retry per failure would have its chance): every failure is still diagnosed,
 * no event has {@code tcp_state}, and one line, once, says why. The same probe without the mask gives
 * {@code tcp_state} (so the test can fail). Also checks the events file's mode: 0600 by default,
 * {@code events.mode=0640} when asked.
 */
class ProcUnreadableIT {

    private static final int RESETS = 6;
    private static final String WHY = "the kernel's TCP state is not available: /proc/net/tcp does not exist";

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void failuresAreDiagnosedWithoutTcpStateAndOneLineSaysWhy(Jvm jvm) throws Exception {
        List<String> procSubset = List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t proc -o subset=pid proc /proc && exec \"$@\"", "sh");
        assumeMechanism(procSubset);
        Path dir = Jvm.workDir("proc-unreadable-jdk" + jvm.feature());

        // With /proc/net/tcp: the state is there (GONE: the kernel drops a connection at once after its RST).
        Path readable = dir.resolve("readable.jsonl");
        Jvm.Result normal = jvm.run(probe(readable, ",events.mode=0640"));
        assertEquals(0, normal.exitCode(), normal::describe);
        List<Map<String, Object>> withState = resets(readable, normal);
        assertTrue(withState.stream().allMatch(e -> e.get("tcp_state") != null), () -> "tcp_state expected\n"
                + withState + "\n" + normal.describe());
        assertTrue(!normal.stderr().contains("TCP state is not available"), normal::describe);
        assertEquals("rw-r-----", mode(readable), "events.mode=0640");

        // Without it: the same failures, diagnosed, no tcp_state, one line once.
        Path masked = dir.resolve("masked.jsonl");
        Jvm.Result hidden = jvm.runUnder(procSubset, probe(masked, ""));
        assertEquals(0, hidden.exitCode(), hidden::describe);
        assertTrue(hidden.stdout().contains("resets failures=" + RESETS), hidden::describe);
        List<Map<String, Object>> without = resets(masked, hidden);
        for (Map<String, Object> event : without) {
            assertNull(event.get("tcp_state"), () -> "no state can be known: " + event);
            assertTrue(event.get("local") != null && event.get("remote") != null, event::toString);
        }
        long lines = hidden.stderrLines().stream().filter(l -> l.contains(WHY)).count();
        assertEquals(1, lines, hidden::describe);
        assertTrue(hidden.stderr().contains("not read again"), hidden::describe);
        assertEquals(RESETS, hidden.stderrLines().stream().filter(l -> l.contains("[socket-doctor] ECONNRESET")).count(),
                () -> "each failure still has its report line\n" + hidden.describe());
        assertEquals("rw-------", mode(masked), "the events file is owner-only by default");
    }

    /** The probe: RESETS resets 300 ms apart, the agent before main with an events file. */
    private static List<String> probe(Path events, String options) {
        return List.of(Jvm.agent("events=" + events + options), "-cp", Jvm.testClasspath(), Probe.class.getName(),
                "resets", Integer.toString(RESETS), "300");
    }

    /** The ECONNRESET events, one per reset, each with its diagnosis. */
    private static List<Map<String, Object>> resets(Path events, Jvm.Result run) throws Exception {
        List<Map<String, Object>> resets = Events.read(events).where(e -> "ECONNRESET".equals(e.get("errno")));
        assertEquals(RESETS, resets.size(), () -> "one event per reset\n" + run.describe());
        for (Map<String, Object> event : resets) {
            assertEquals("peer_reset_read", event.get("cause"), event::toString);
            assertTrue(event.get("diagnosis") != null, event::toString);
        }
        return resets;
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    private static void assumeMechanism(List<String> procSubset) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "mounting a procfs in a mount namespace needs root; the CI runs as root");
        Jvm.Result check;
        try {
            List<String> command = new java.util.ArrayList<>(procSubset);
            command.addAll(List.of("sh", "-c", "test -d /proc/self/fd && test ! -e /proc/net/tcp"));
            check = AttachIT.exec(command);
        } catch (java.io.IOException noUnshare) {
            Assumptions.abort("needs unshare (util-linux): " + noUnshare.getMessage());
            return;
        }
        Jvm.Result ran = check;
        Assumptions.assumeTrue(ran.exitCode() == 0, () -> "no procfs with subset=pid here (Linux 5.8+):"
                + " exit " + ran.exitCode() + ", " + ran.stderr().strip());
    }
}
