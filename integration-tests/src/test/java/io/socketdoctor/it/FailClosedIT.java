package io.socketdoctor.it;

import static io.socketdoctor.it.AttachIT.assertExit;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CLI fails closed (issue 14): it signals a process only with positive evidence that it is a
 * HotSpot JVM of its own user (or it is root) that accepts attach, because the JDK's attach begins
 * with a SIGQUIT, which kills most programs. Real processes only: a {@code sleep} of root and one
 * of {@code nobody}, a JVM of each, and the CLI run as root, as {@code nobody} ({@code setpriv}) and
 * from user namespaces ({@code unshare -U}: no uid mapped; {@code unshare -Ur}: root mapped, but
 * /proc/&lt;pid&gt;/maps of processes outside cannot be read). Every target must be alive afterwards,
 * no {@code .attach_pid} file (the JDK's first step before its SIGQUIT) may appear for a refused
 * one, and a refusal must come at once: before, {@code unshare -U} ran the JDK's attach to a
 * {@code sleep} and gave up after 10.5 s.
 */
class FailClosedIT {

    /** A refusal reads /proc only: the time is the CLI's JVM start (0.1-0.5 s here), far from the 10 s of an attach. */
    private static final long AT_ONCE_MILLIS = 5_000;
    private static final List<String> AS_NOBODY = List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
            "--clear-groups");
    private static final String NOT_JAVA = "is not a Java virtual machine; nothing was sent to it";

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void nothingIsSentWithoutEvidence(Jvm jvm) throws Exception {
        assumeMechanisms();
        Path dir = Jvm.workDir("fail-closed-jdk" + jvm.feature());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<Process> sleepers = new ArrayList<>();
        try (AttachIT.Live rootJvm = AttachIT.Live.start(jvm, dir, "root-jvm", List.of(), Map.of(), List.of());
             AttachIT.Live nobodyJvm = AttachIT.Live.start(jvm, dir, "nobody-jvm", AS_NOBODY, Map.of(), List.of())) {
            Process rootSleep = sleep(List.of(), sleepers);
            Process nobodySleep = sleep(AS_NOBODY, sleepers);
            String rs = Long.toString(rootSleep.pid());
            String ns = Long.toString(nobodySleep.pid());

            for (String command : List.of("attach", "status", "detach")) {
                // A sleep of root.
                refused(jvm, List.of(), command, rs, 4, NOT_JAVA, rootSleep);
                refused(jvm, AS_NOBODY, command, rs, 5, "belongs to user root", rootSleep);
                refused(jvm, List.of("unshare", "-U"), command, rs, 4, cannotTell(rs), rootSleep);
                refused(jvm, List.of("unshare", "-Ur"), command, rs, 4, cannotTell(rs), rootSleep);
                // A sleep of another user (nobody).
                refused(jvm, List.of(), command, ns, 4, NOT_JAVA, nobodySleep);
                refused(jvm, AS_NOBODY, command, ns, 4, NOT_JAVA, nobodySleep);
                refused(jvm, List.of("unshare", "-U"), command, ns, 4, cannotTell(ns), nobodySleep);
                refused(jvm, List.of("unshare", "-Ur"), command, ns, 4, cannotTell(ns), nobodySleep);
            }

            // A JVM of another user, seen from user namespaces where that user is not mapped: no owner, no kind.
            String nj = Long.toString(nobodyJvm.pid());
            refused(jvm, List.of("unshare", "-U"), "status", nj, 4, cannotTell(nj), nobodyJvm.process());
            refused(jvm, List.of("unshare", "-Ur"), "attach", nj, 4, cannotTell(nj), nobodyJvm.process());
            // ... and from a user that is neither its owner nor root.
            String rj = Long.toString(rootJvm.pid());
            refused(jvm, AS_NOBODY, "status", rj, 5, "belongs to user root", rootJvm.process());
            refused(jvm, List.of("unshare", "-U"), "detach", rj, 4, cannotTell(rj), rootJvm.process());

            // Positive evidence where maps cannot be read: root's JVM from unshare -Ur (root mapped to root)
            // has its hsperfdata file, owned by root and no older than the process. The JVM has not been
            // attached to yet, so this attach starts with the JDK's SIGQUIT, which HotSpot handles.
            Jvm.Result viaPerfData = cli(jvm, List.of("unshare", "-Ur"), "status", rj);
            assertExit(8, viaPerfData, "status of root's JVM from unshare -Ur (evidence: hsperfdata)");
            // Root may attach to the JVM of another user (HotSpot accepts root): evidence from maps.
            assertExit(8, cli(jvm, List.of(), "status", nj), "root's status of nobody's JVM");

            for (AttachIT.Live live : List.of(rootJvm, nobodyJvm)) {
                assertTrue(live.isAlive(), live::describe);
                assertFalse(live.stdout().contains("Full thread dump"), "a SIGQUIT reached a JVM before its"
                        + " attach listener\n" + live.describe());
                assertFalse(live.stderr().contains("socket-doctor") || live.stderr().contains("loaded dynamically"),
                        live::describe);
            }
            assertTrue(rootSleep.isAlive() && nobodySleep.isAlive(), "the sleeps must have survived");
        } finally {
            for (Process sleeper : sleepers) {
                sleeper.destroyForcibly();
                sleeper.waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (Process sleeper : sleepers) {
            assertFalse(sleeper.isAlive(), "a sleep was left behind: " + sleeper.pid());
        }
    }

    private static String cannotTell(String pid) {
        return "cannot tell that " + pid + " is a JVM; nothing was sent to it";
    }

    /** Runs the CLI under {@code prefix}; the exit code, the message, at once, and the target untouched. */
    private static void refused(Jvm jvm, List<String> prefix, String command, String pid, int exit, String message,
                                Process target) throws Exception {
        long started = System.nanoTime();
        Jvm.Result result = cli(jvm, prefix, command, pid);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        String what = String.join(" ", prefix) + " " + command + " " + pid;
        assertExit(exit, result, what);
        assertTrue(result.stderr().contains(message), () -> what + ": expected '" + message + "'\n" + result.describe());
        assertTrue(millis < AT_ONCE_MILLIS, () -> what + " took " + millis + " ms\n" + result.describe());
        assertTrue(target.isAlive(), () -> what + ": the target died\n" + result.describe());
        for (Path marker : attachTriggers(target.pid())) {
            assertFalse(Files.exists(marker), () -> what + ": the JDK's attach began (" + marker + ")");
        }
    }

    /** Where the JDK's attach writes its trigger file before it sends SIGQUIT: the target's cwd and /tmp. */
    private static List<Path> attachTriggers(long pid) {
        List<Path> files = new ArrayList<>(List.of(Paths.get("/tmp", ".attach_pid" + pid)));
        try {
            files.add(Files.readSymbolicLink(Paths.get("/proc", Long.toString(pid), "cwd")).resolve(".attach_pid" + pid));
        } catch (IOException | RuntimeException e) {
            // gone: isAlive says so
        }
        return files;
    }

    private static Jvm.Result cli(Jvm jvm, List<String> prefix, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(AttachIT.java(jvm), "-jar", Jvm.agentJar().toString()));
        command.addAll(List.of(arguments));
        return AttachIT.exec(command);
    }

    private static Process sleep(List<String> prefix, List<Process> started) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("sleep", "120"));
        Process process = new ProcessBuilder(command).directory(new java.io.File("/tmp")).start();
        started.add(process);
        return process;
    }

    private static void assumeMechanisms() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "runs processes as another user (nobody), which needs root; the CI runs as root");
        Assumptions.assumeTrue(Files.isExecutable(Paths.get(AS_NOBODY.get(0))), "needs setpriv (util-linux)");
        Jvm.Result userns;
        try {
            userns = AttachIT.exec(List.of("unshare", "-U", "true"));
        } catch (IOException noUnshare) {
            Assumptions.abort("needs unshare (util-linux): " + noUnshare.getMessage());
            return;
        }
        Jvm.Result ran = userns;
        Assumptions.assumeTrue(ran.exitCode() == 0, () -> "user namespaces are not available here (unshare -U:"
                + " exit " + ran.exitCode() + ", " + ran.stderr().strip() + ")");
    }
}
