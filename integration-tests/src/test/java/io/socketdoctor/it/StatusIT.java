package io.socketdoctor.it;

import static io.socketdoctor.it.AttachIT.assertExit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code status} loads nothing into the JVM (issue 14): it reads what the running agent publishes
 * in its system properties over the attach connection. On Java 21+ each agent load prints four
 * {@code WARNING: A Java agent has been loaded dynamically} lines into the service's log, and
 * {@code status} used to load the jar each time. A {@link io.socketdoctor.it.probe.ServeProbe}
 * fails a connect every 200 ms (its only stdout lines); attached with {@code log=off} the agent
 * writes nothing to it either, so after the attach every line it adds is a failure line and its
 * stderr must not change at all. The counts a status shows must move with the failures.
 */
class StatusIT {

    private static final Pattern FAILURE_LINE = Pattern.compile("^failure \\d+ .*");

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void statusAddsNoLineToTheTarget(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("status-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        try (AttachIT.Live probe = AttachIT.Live.start(jvm, dir, "probe", List.of(), Map.of(), List.of())) {
            String pid = Long.toString(probe.pid());
            probe.awaitFailures(2);
            assertExit(0, AttachIT.cli(jvm, "attach", pid, "log=off", "events=" + events), "attach");
            // The attach itself loads the agent: on Java 21+ that is the JDK's warning, and no more.
            assertEquals(jvm.feature() >= 21, probe.stderr().contains("loaded dynamically"), probe::describe);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    Paths.get("/tmp", ".socket-doctor-" + pid))), "the marker is owner-only");
            probe.awaitFailures(probe.failures().size() + 4);

            String stderrBefore = probe.stderr();
            List<String> otherLinesBefore = otherLines(probe.stdout());
            Jvm.Result first = AttachIT.cli(jvm, "status", pid);
            assertExit(0, first, "status");
            long failuresFirst = failures(first);
            assertTrue(failuresFirst >= 4, first::describe);
            assertTrue(first.stdout().startsWith("attached: yes (attach, since "), first::describe);
            assertTrue(first.stdout().contains("options: ") && first.stdout().contains("events=" + events),
                    first::describe);
            assertTrue(first.stdout().contains("by errno: ECONNREFUSED"), first::describe);
            assertTrue(first.stdout().contains("kernel state: from /proc/net/tcp"), first::describe);
            assertTrue(first.stdout().contains("nothing was loaded into it"), first::describe);
            assertFalse(first.stderr().contains("JEP 451"), "no load, no note\n" + first.describe());

            probe.awaitFailures(probe.failures().size() + 6);
            Jvm.Result second = AttachIT.cli(jvm, "status", pid);
            assertExit(0, second, "second status");
            assertTrue(failures(second) > failuresFirst, () -> "the published counts move\n" + first.describe()
                    + "\n" + second.describe());

            probe.awaitFailures(probe.failures().size() + 2); // anything the statuses caused would be out by now
            assertEquals(stderrBefore, probe.stderr(), "status must add nothing to the JVM's stderr");
            assertEquals(otherLinesBefore, otherLines(probe.stdout()), "status must add nothing to its stdout");

            // detach still loads the agent (it must run code in the JVM): on Java 21+ the JDK's warning again.
            assertExit(0, AttachIT.cli(jvm, "detach", pid), "detach");
            assertEquals(jvm.feature() >= 21 ? 8 : 0, count(probe.stderr(), "WARNING: "), probe::describe);
            Jvm.Result after = AttachIT.cli(jvm, "status", pid);
            assertExit(8, after, "status after detach: the properties are gone");
            assertFalse(Files.exists(Paths.get("/tmp", ".socket-doctor-" + pid)), "marker after detach");
            assertTrue(probe.isAlive(), probe::describe);
        }
    }

    private static List<String> otherLines(String stdout) {
        return stdout.lines().filter(l -> !FAILURE_LINE.matcher(l).matches()).toList();
    }

    private static long failures(Jvm.Result status) {
        Matcher m = Pattern.compile("(?m)^failures: (\\d+)$").matcher(status.stdout());
        assertTrue(m.find(), status::describe);
        return Long.parseLong(m.group(1));
    }

    private static long count(String text, String what) {
        return text.lines().filter(l -> l.startsWith(what)).count();
    }
}
