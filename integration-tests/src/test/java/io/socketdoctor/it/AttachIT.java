package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.socketdoctor.it.probe.HookCheckAgent;
import io.socketdoctor.it.probe.ServeProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CLI against real JVMs on JDK 17 and 25 (issue: attach during an incident). A long-running
 * probe ({@link ServeProbe}) makes a loopback connection fail every 200 ms; it is started without
 * the agent, then attached, inspected, detached and attached again with
 * {@code java -jar socket-doctor-agent.jar}, each command in its own JVM as an operator would run it.
 *
 * <p>"Detached" is checked from outside the agent: no new events and no stderr lines, its threads
 * gone from {@code jcmd Thread.print}, its files and listening sockets closed, the marker gone, and
 * {@link HookCheckAgent} proving inside the JVM that the JDK's methods no longer call the bridge
 * (while attached the same check counts calls, so it can fail).
 */
class AttachIT {

    private static final long WAIT_MILLIS = 20_000;
    private static final Pattern FAILURE = Pattern.compile("^failure (\\d+) .* diagnosed=(true|false)$");

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void attachStatusDetachAndAttachAgain(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("attach-jdk" + jvm.feature());
        Path events1 = dir.resolve("events-1.jsonl");
        Path events2 = dir.resolve("events-2.jsonl");
        Path checker = hookCheckJar(dir);
        int metricsPort = freePort();
        try (Live probe = Live.start(jvm, dir, "probe", List.of(), Map.of(), List.of())) {
            String pid = Long.toString(probe.pid());

            // Before: failures happen and nobody diagnoses them.
            probe.awaitFailures(3);
            assertTrue(probe.failures().stream().noneMatch(f -> f.diagnosed), probe::describe);
            Jvm.Result status0 = cli(jvm, "status", pid);
            assertEquals(8, status0.exitCode(), status0::describe);
            assertEquals("attached: no", status0.stdout().strip(), status0::describe);
            assertEquals("no", listed(jvm, probe.pid()), "list before attach");
            Set<String> listeningBefore = new TreeSet<>(listening(probe.pid()));
            for (int i = 0; i < 3; i++) { // without the probe's own listener of an instant (see below)
                Thread.sleep(50);
                listeningBefore.retainAll(listening(probe.pid()));
            }

            // Attach: failures are diagnosed, in the events file and in the exception the application sees.
            Jvm.Result attach = cli(jvm, "attach", pid, "events=" + events1, "prometheus=127.0.0.1:" + metricsPort);
            assertEquals(0, attach.exitCode(), attach::describe);
            assertTrue(attach.stdout().contains("attached to pid " + pid), attach::describe);
            assertTrue(attach.stdout().contains("all in place"), attach::describe);
            assertEquals(jvm.feature() >= 21, attach.stderr().contains("JEP 451"), attach::describe);
            assertEquals(jvm.feature() >= 21, probe.stderr().contains("loaded dynamically"), probe::describe);
            awaitEvents(events1, 3, probe);
            int attachedAt = probe.failures().size();
            probe.awaitFailures(attachedAt + 2);
            assertTrue(probe.failures().get(probe.failures().size() - 1).diagnosed, probe::describe);
            assertTrue(probe.stderr().contains("[socket-doctor] ECONNREFUSED"), probe::describe);
            assertTrue(Events.read(events1).all().stream().allMatch(e -> "ECONNREFUSED".equals(e.get("errno"))),
                    () -> "events: " + events1);
            assertTrue(canConnect(metricsPort), "the metrics endpoint listens while attached");
            assertEquals("yes", listed(jvm, probe.pid()), "list while attached");

            // Status: the options in force and what it has seen.
            Jvm.Result status = cli(jvm, "status", pid);
            assertEquals(0, status.exitCode(), status::describe);
            assertTrue(status.stdout().startsWith("attached: yes"), status::describe);
            assertTrue(status.stdout().contains("options: ") && status.stdout().contains("events=" + events1),
                    status::describe);
            assertTrue(count(status.stdout(), "failures: (\\d+)") >= 3, status::describe);
            assertTrue(status.stdout().contains("by errno: ECONNREFUSED"), status::describe);
            assertTrue(status.stdout().contains("by cause: refused"), status::describe);
            assertTrue(status.stdout().contains("0 dropped"), status::describe);

            // Attaching twice is harmless; other options are refused, not applied.
            Jvm.Result again = cli(jvm, "attach", pid, "events=" + events1);
            assertEquals(0, again.exitCode(), again::describe);
            assertTrue(again.stdout().contains("already attached"), again::describe);
            Jvm.Result other = cli(jvm, "attach", pid, "log.rate=7");
            assertEquals(9, other.exitCode(), other::describe);
            assertTrue(other.stderr().contains("log.rate=7 (in force: 5)"), other::describe);

            // The hook check can see the hooks: the instrumented JDK methods call the bridge.
            String whileAttached = hookCheck(jvm, probe, checker, dir);
            assertTrue(whileAttached.matches("calls=[1-9]\\d*"), "while attached: " + whileAttached);

            // Detach: as if it had never been there.
            Jvm.Result detach = cli(jvm, "detach", pid);
            assertEquals(0, detach.exitCode(), detach::describe);
            assertTrue(detach.stdout().startsWith("detached:"), detach::describe);
            long size = Files.size(events1);
            int stderrAtDetach = probe.stderr().length();
            int failuresAtDetach = probe.failures().size();
            probe.awaitFailures(failuresAtDetach + 6);
            assertEquals(size, Files.size(events1), "the events file grew after detach");
            List<Failure> after = probe.failures().subList(failuresAtDetach + 1, probe.failures().size());
            assertTrue(after.stream().noneMatch(f -> f.diagnosed), probe::describe);
            String stderrAfter = probe.stderr().substring(stderrAtDetach);
            assertFalse(stderrAfter.contains("socket-doctor"), "stderr after detach:\n" + stderrAfter);
            assertFalse(jcmd(jvm, probe.pid(), "Thread.print").contains("socket-doctor"), "agent threads after detach");
            assertFalse(openFiles(probe.pid()).contains(events1.toString()), "events file still open");
            assertFalse(canConnect(metricsPort), "the metrics endpoint still listens after detach");
            // (The probe itself listens for an instant every 200 ms to find a closed port: retry, bounded.)
            await(() -> listeningBefore.equals(listeningQuietly(probe.pid())),
                    () -> "listening sockets after detach: " + listeningQuietly(probe.pid()) + ", before attach: "
                            + listeningBefore);
            assertFalse(Files.exists(Paths.get("/tmp/.socket-doctor-" + pid)), "marker file after detach");
            assertEquals("no", listed(jvm, probe.pid()), "list after detach");
            Jvm.Result status2 = cli(jvm, "status", pid);
            assertEquals(8, status2.exitCode(), status2::describe);
            assertEquals("attached: no", status2.stdout().strip(), status2::describe);
            Jvm.Result detach2 = cli(jvm, "detach", pid);
            assertEquals(8, detach2.exitCode(), detach2::describe);
            assertTrue(detach2.stderr().contains("nothing to detach"), detach2::describe);
            String afterDetach = hookCheck(jvm, probe, checker, dir);
            assertEquals("calls=0", afterDetach, "the JDK's methods still call the bridge after detach");

            // Attach again: the bridge stays in java.base, a new session and transformer take over.
            Jvm.Result reattach = cli(jvm, "attach", pid, "events=" + events2);
            assertEquals(0, reattach.exitCode(), reattach::describe);
            awaitEvents(events2, 3, probe);
            Jvm.Result status3 = cli(jvm, "status", pid);
            assertEquals(0, status3.exitCode(), status3::describe);
            assertTrue(status3.stdout().contains("events=" + events2), status3::describe);
            Jvm.Result detach3 = cli(jvm, "detach", pid);
            assertEquals(0, detach3.exitCode(), detach3::describe);
            assertFalse(jcmd(jvm, probe.pid(), "Thread.print").contains("socket-doctor"), "threads after 2nd detach");
            assertTrue(probe.isAlive(), "the probe must have survived everything\n" + probe.describe());
        }
    }

    /**
     * A JVM started with -javaagent is found by attach (no second agent load) and can be detached,
     * with its OTLP exporter: the exporter's threads go, and nothing more reaches the collector.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aJavaagentSessionIsRecognisedAndDetachable(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("attach-javaagent-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        try (OtlpReceiver collector = new OtlpReceiver();
             Live probe = Live.start(jvm, dir, "probe", List.of(), Map.of(),
                List.of(Jvm.agent("events=" + events + ",otlp=" + collector.url())))) {
            String pid = Long.toString(probe.pid());
            awaitEvents(events, 2, probe);
            assertEquals("yes (-javaagent)", listed(jvm, probe.pid()), "list");
            Jvm.Result attach = cli(jvm, "attach", pid);
            assertEquals(0, attach.exitCode(), attach::describe);
            assertTrue(attach.stdout().contains("already attached"), attach::describe);
            assertFalse(probe.stderr().contains("loaded dynamically"), "attach loaded the agent again");
            Jvm.Result detach = cli(jvm, "detach", pid);
            assertEquals(0, detach.exitCode(), detach::describe);
            long size = Files.size(events);
            int failures = probe.failures().size();
            probe.awaitFailures(failures + 5);
            assertEquals(size, Files.size(events), "events after detaching a -javaagent session");
            assertFalse(jcmd(jvm, probe.pid(), "Thread.print").contains("socket-doctor"), "threads after detach");
            // The detach's last round sent what was queued; after it, nothing more.
            assertTrue(collector.logRequests.get() > 0, "the exporter sent nothing before detach");
            int requests = collector.logRequests.get() + collector.metricRequests.get();
            probe.awaitFailures(probe.failures().size() + 5);
            Thread.sleep(1500);
            assertEquals(requests, collector.logRequests.get() + collector.metricRequests.get(),
                    "OTLP requests after detach");
        }
    }

    /** Every failure the CLI names, with its exit code, and that nothing reached the JVM. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void eachFailureHasItsExitCode(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("attach-failures-jdk" + jvm.feature());

        // Usage.
        assertExit(2, cli(jvm), "usage");
        assertExit(2, cli(jvm, "frobnicate"), "unknown command");
        assertExit(2, cli(jvm, "status", "abc"), "not a pid");
        Jvm.Result help = cli(jvm, "help");
        assertExit(0, help, "help");
        for (int code = 0; code <= 9; code++) {
            assertTrue(help.stdout().contains("  " + code + "  "), "help names exit code " + code);
        }

        // No such process.
        Jvm.Result none = cli(jvm, "status", Long.toString(unusedPid()));
        assertExit(3, none, "no such pid");
        assertTrue(none.stderr().contains("no process with pid"), none::describe);

        // Not a JVM: refused before anything (SIGQUIT would kill it) is sent.
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Jvm.Result notJava = cli(jvm, "attach", Long.toString(sleeper.pid()));
            assertExit(4, notJava, "not a JVM");
            assertTrue(sleeper.isAlive(), "the non-Java process must not have been signalled");
        } finally {
            sleeper.destroy();
            sleeper.waitFor(10, TimeUnit.SECONDS);
        }

        // No attach module (a JRE): the module graph without jdk.attach.
        Jvm.Result jre = jvm.run(List.of("--limit-modules", "java.base", "-jar", Jvm.agentJar().toString(), "list"));
        assertExit(7, jre, "no jdk.attach");
        assertTrue(jre.stderr().contains("no jdk.attach module"), jre::describe);

        try (Live plain = Live.start(jvm, dir, "plain", List.of(), Map.of(), List.of());
             Live badEnv = Live.start(jvm, dir, "bad-env", List.of(), Map.of("SOCKETDOCTOR_LOG", "bogus"), List.of());
             Live disabled = Live.start(jvm, dir, "disabled", List.of(), Map.of(),
                     List.of("-XX:+DisableAttachMechanism"))) {
            String pid = Long.toString(plain.pid());
            // Bad options: refused before the JVM is touched.
            Jvm.Result unknown = cli(jvm, "attach", pid, "color=red");
            assertExit(2, unknown, "unknown option");
            assertTrue(unknown.stderr().contains("unknown option 'color'"), unknown::describe);
            assertExit(2, cli(jvm, "attach", pid, "log.rate=0"), "bad value");
            // Not attached.
            assertExit(8, cli(jvm, "status", pid), "status, not attached");
            assertExit(8, cli(jvm, "detach", pid), "detach, not attached");
            assertFalse(plain.stderr().contains("loaded dynamically") || plain.stderr().contains("socket-doctor"),
                    "nothing may have been loaded into the JVM\n" + plain.describe());

            // Bad options from the JVM's own environment: found by the agent inside, nothing started.
            Jvm.Result env = cli(jvm, "attach", Long.toString(badEnv.pid()));
            assertExit(2, env, "bad option in the JVM's environment");
            assertTrue(env.stderr().contains("SOCKETDOCTOR_LOG"), env::describe);
            assertExit(8, cli(jvm, "status", Long.toString(badEnv.pid())), "status after a refused attach");

            // Attach disabled.
            Jvm.Result refused = cli(jvm, "attach", Long.toString(disabled.pid()));
            assertExit(6, refused, "-XX:+DisableAttachMechanism");
            assertTrue(refused.stderr().contains("DisableAttachMechanism"), refused::describe);
            assertTrue(disabled.isAlive(), disabled.describe());
        }

        if (jvm.feature() >= 21) {
            try (Live noDynamic = Live.start(jvm, dir, "no-dynamic", List.of(), Map.of(),
                    List.of("-XX:-EnableDynamicAgentLoading"))) {
                Jvm.Result refused = cli(jvm, "attach", Long.toString(noDynamic.pid()));
                assertExit(6, refused, "-XX:-EnableDynamicAgentLoading");
                assertTrue(refused.stderr().contains("EnableDynamicAgentLoading"), refused::describe);
            }
        }
    }

    /** Another user's JVM: refused for a non-root user; root may attach (and the JVM's user writes the answer). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void anotherUsersJvm(Jvm jvm) throws Exception {
        Path setpriv = Paths.get("/usr/bin/setpriv");
        Assumptions.assumeTrue(Files.isExecutable(setpriv) && "root".equals(System.getProperty("user.name")),
                "needs root and setpriv to run processes as another user (nobody)");
        List<String> asNobody = List.of(setpriv.toString(), "--reuid=65534", "--regid=65534", "--clear-groups");
        Path dir = Jvm.workDir("attach-users-jdk" + jvm.feature());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path events = dir.resolve("nobody-events.jsonl");
        try (Live rootProbe = Live.start(jvm, dir, "root-probe", List.of(), Map.of(), List.of());
             Live nobodyProbe = Live.start(jvm, dir, "nobody-probe", asNobody, Map.of(), List.of())) {
            // nobody → root's JVM: refused before anything is sent.
            Jvm.Result refused = exec(Stream.concat(asNobody.stream(), Stream.of(java(jvm), "-jar",
                    Jvm.agentJar().toString(), "attach", Long.toString(rootProbe.pid()))).toList());
            assertExit(5, refused, "JVM of another user");
            assertTrue(refused.stderr().contains("belongs to user root"), refused::describe);
            assertFalse(rootProbe.stderr().contains("socket-doctor"), rootProbe.describe());

            // root → nobody's JVM: allowed by HotSpot; the reply file is handed to nobody.
            String pid = Long.toString(nobodyProbe.pid());
            Jvm.Result attach = cli(jvm, "attach", pid, "events=" + events);
            assertExit(0, attach, "root attaches to nobody's JVM");
            awaitEvents(events, 2, nobodyProbe);
            assertExit(0, cli(jvm, "status", pid), "status of nobody's JVM");
            assertExit(0, cli(jvm, "detach", pid), "detach from nobody's JVM");
        }
    }

    // ---- helpers ----

    static void assertExit(int expected, Jvm.Result result, String what) {
        assertEquals(expected, result.exitCode(), () -> what + "\n" + result.describe());
    }

    /** {@code java -jar socket-doctor-agent.jar <arguments>} on this JDK. */
    static Jvm.Result cli(Jvm jvm, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("-jar", Jvm.agentJar().toString()));
        command.addAll(List.of(arguments));
        return jvm.run(command);
    }

    static String java(Jvm jvm) {
        return jvm.home().resolve("bin/java").toString();
    }

    /** The SOCKET DOCTOR column of {@code list} for {@code pid}. */
    private static String listed(Jvm jvm, long pid) throws Exception {
        Jvm.Result list = cli(jvm, "list");
        assertEquals(0, list.exitCode(), list::describe);
        for (String line : list.stdoutLines()) {
            String[] words = line.trim().split("\\s+");
            if (words.length > 2 && words[0].equals(Long.toString(pid))) {
                return line.contains("yes (-javaagent)") ? "yes (-javaagent)" : words[2];
            }
        }
        throw new AssertionError("pid " + pid + " not in list\n" + list.describe());
    }

    private static long count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " not in\n" + text);
        return Long.parseLong(m.group(1));
    }

    private static void awaitEvents(Path file, int n, Live probe) throws Exception {
        await(() -> {
            try {
                return Events.read(file).all().size() >= n;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }, () -> "fewer than " + n + " events in " + file + "\n" + probe.describe());
    }

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> message)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + WAIT_MILLIS + " ms: " + message.get());
            }
            Thread.sleep(50);
        }
    }

    private static String jcmd(Jvm jvm, long pid, String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of(jvm.home().resolve("bin/jcmd").toString(), Long.toString(pid)));
        line.addAll(List.of(command));
        Jvm.Result result = exec(line);
        assertEquals(0, result.exitCode(), result::describe);
        return result.stdout();
    }

    /** Loads {@link HookCheckAgent} into the probe with jcmd and returns its answer ({@code calls=N}). */
    private static String hookCheck(Jvm jvm, Live probe, Path jar, Path dir) throws Exception {
        Path answer = dir.resolve("hook-check.txt");
        Files.deleteIfExists(answer);
        jcmd(jvm, probe.pid(), "JVMTI.agent_load", jar.toString(), answer + ";1500");
        await(() -> Files.exists(answer), () -> "no answer from the hook check\n" + probe.describe());
        Thread.sleep(50);
        return Files.readString(answer).strip();
    }

    private static Path hookCheckJar(Path dir) throws IOException {
        Path jar = dir.resolve("hook-check.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Agent-Class", HookCheckAgent.class.getName());
        String entry = HookCheckAgent.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(Paths.get(Jvm.testClasspath(), entry)));
            out.closeEntry();
        }
        return jar;
    }

    private static boolean canConnect(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (ConnectException refused) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Paths the process has open (/proc/pid/fd). */
    private static Set<String> openFiles(long pid) throws IOException {
        Set<String> files = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    files.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // gone between list and read
                }
            }
        }
        return files;
    }

    /** The process's listening TCP sockets, as local addresses from /proc/net/tcp{,6} matched by inode. */
    private static Set<String> listening(long pid) throws IOException {
        Set<String> inodes = new TreeSet<>();
        for (String file : openFiles(pid)) {
            if (file.startsWith("socket:[")) {
                inodes.add(file.substring("socket:[".length(), file.length() - 1));
            }
        }
        Set<String> listening = new TreeSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path path = Paths.get("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && "0A".equals(f[3]) && inodes.contains(f[9])) {
                    listening.add(table + " " + f[1]);
                }
            }
        }
        return listening;
    }

    private static Set<String> listeningQuietly(long pid) {
        try {
            return listening(pid);
        } catch (IOException e) {
            return Set.of("error: " + e);
        }
    }

    /** A pid no process has now. */
    private static long unusedPid() throws IOException {
        // (readAllLines: Files.readString trusts the size procfs reports and reads too little)
        long max = Long.parseLong(Files.readAllLines(Paths.get("/proc/sys/kernel/pid_max")).get(0).strip());
        for (long pid = max - 1; pid > max - 1000; pid--) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
        throw new AssertionError("no unused pid found");
    }

    /** Runs a command (not necessarily java) bounded in time, environment as for the CLI. */
    static Jvm.Result exec(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(new java.io.File("/tmp"));
        builder.environment().keySet().removeIf(k -> k.startsWith("SOCKETDOCTOR_") || k.equals("JAVA_TOOL_OPTIONS")
                || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
        Path out = Files.createTempFile("attach-it", ".out");
        Path err = Files.createTempFile("attach-it", ".err");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(err, PosixFilePermissions.fromString("rw-rw-rw-"));
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("timed out: " + command);
            }
            return new Jvm.Result(process.exitValue(), Files.readString(out), Files.readString(err),
                    String.join(" ", command));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** One line of the probe: a failure, and whether its exception carried a diagnosis. */
    private record Failure(long n, boolean diagnosed) {
    }

    /**
     * A {@link ServeProbe} running in the background, bounded (it exits by itself after 120 s;
     * {@link #close} ends it sooner), its stdout and stderr in files.
     */
    static final class Live implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final Path err;
        private final long pid;

        private Live(Process process, Path out, Path err, long pid) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.pid = pid;
        }

        static Live start(Jvm jvm, Path dir, String name, List<String> prefix, Map<String, String> env,
                          List<String> jvmOptions) throws Exception {
            List<String> command = new ArrayList<>(prefix);
            command.add(java(jvm));
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", Jvm.testClasspath(), ServeProbe.class.getName(), "120"));
            Path out = dir.resolve(name + ".out");
            Path err = dir.resolve(name + ".err");
            ProcessBuilder builder = new ProcessBuilder(command).directory(new java.io.File("/tmp"));
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(k -> k.startsWith("SOCKETDOCTOR_") || k.equals("JAVA_TOOL_OPTIONS")
                    || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
            environment.putAll(new HashMap<>(env));
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            Live live = new Live(process, out, err, process.pid());
            // With a prefix (setpriv) the JVM is the same process: setpriv execs it.
            await(() -> live.stdout().startsWith("serve-probe ready") || !process.isAlive(),
                    () -> "probe did not start\n" + live.describe());
            assertTrue(process.isAlive(), live::describe);
            return live;
        }

        long pid() {
            return pid;
        }

        boolean isAlive() {
            return process.isAlive();
        }

        Process process() {
            return process;
        }

        String stdout() {
            try {
                return Files.readString(out, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        String stderr() {
            try {
                return Files.readString(err, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        List<Failure> failures() {
            List<Failure> failures = new ArrayList<>();
            for (String line : stdout().lines().toList()) {
                Matcher m = FAILURE.matcher(line);
                if (m.matches()) {
                    failures.add(new Failure(Long.parseLong(m.group(1)), Boolean.parseBoolean(m.group(2))));
                }
            }
            return failures;
        }

        void awaitFailures(int n) throws InterruptedException {
            await(() -> failures().size() >= n, () -> "fewer than " + n + " failures\n" + describe());
        }

        String describe() {
            String stderr = stderr();
            return "probe pid " + pid + (process.isAlive() ? " (running)" : " (exited " + process.exitValue() + ")")
                    + "\nstdout (last lines):\n" + tail(stdout(), 8) + "\nstderr (last lines):\n" + tail(stderr, 12);
        }

        private static String tail(String text, int lines) {
            List<String> all = text.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
