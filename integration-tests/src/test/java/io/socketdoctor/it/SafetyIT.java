package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.SafetyProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Never break the host (issue 7): faults inside the agent, logging that itself writes to a
 * socket, load with platform and virtual threads. Each compares what the host saw with and
 * without the agent, on JDK 17 and 25.
 */
class SafetyIT {

    private static final String OFF_LINE = "diagnostics are now off, the application is not affected.";
    private static final String FAULT = "-Dio.socketdoctor.test.fault=";
    private static final Map<String, Jvm.Result> BASELINES = new ConcurrentHashMap<>();

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    static Stream<Arguments> faults() {
        List<Arguments> list = new ArrayList<>();
        for (Jvm jvm : Jvm.all()) {
            list.add(Arguments.of(jvm, "faults", "throw", "IllegalStateException: socket-doctor test fault in onError"));
            list.add(Arguments.of(jvm, "faults-event-first", "throw",
                    "IllegalStateException: socket-doctor test fault in onEvent"));
            list.add(Arguments.of(jvm, "faults", "stackoverflow", "java.lang.StackOverflowError"));
            list.add(Arguments.of(jvm, "faults", "oom", "java.lang.OutOfMemoryError"));
            list.add(Arguments.of(jvm, "faults", "block", "a handler call took"));
        }
        return list.stream();
    }

    private static List<String> probe(String... args) {
        List<String> list = new ArrayList<>(List.of("-cp", Jvm.testClasspath(), SafetyProbe.class.getName()));
        list.addAll(List.of(args));
        return list;
    }

    private static List<String> with(List<String> flags, List<String> program) {
        List<String> list = new ArrayList<>(flags);
        list.addAll(program);
        return list;
    }

    private static Jvm.Result baseline(Jvm jvm, String... args) throws Exception {
        String key = jvm.feature() + " " + String.join(" ", args);
        Jvm.Result result = BASELINES.get(key);
        if (result == null) {
            result = jvm.run(probe(args));
            BASELINES.put(key, result);
        }
        return result;
    }

    /**
     * The handler throws, overflows its stack, runs out of memory or blocks (6 s, past the 5 s
     * budget): the host's calls return exactly what they return without the agent, the program
     * finishes with the same exit code, and stderr says once that diagnostics are off.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("faults")
    void aFaultInTheHandlerNeverReachesTheHost(Jvm jvm, String program, String fault, String expected)
            throws Exception {
        Jvm.Result without = baseline(jvm, program);
        long start = System.nanoTime();
        Jvm.Result with = jvm.run(with(List.of(FAULT + fault, Jvm.agent(null)), probe(program)));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        assertEquals(7, without.exitCode(), without::describe);
        assertTrue(without.stdout().contains("caught java.net.ConnectException: Connection refused"), without::describe);
        assertEquals(without.exitCode(), with.exitCode(), with::describe);
        assertEquals(without.stdout(), with.stdout(), "the host must see the same results\n" + with.describe());
        List<String> off = with.stderrLines().stream().filter(l -> l.contains(OFF_LINE)).toList();
        assertEquals(1, off.size(), "one line saying diagnostics are off\n" + with.describe());
        assertTrue(off.get(0).contains(expected), "the line names the fault (" + expected + ")\n" + with.describe());
        assertTrue(seconds < 60, "bounded: took " + seconds + " s\n" + with.describe());
    }

    /**
     * The host logs through a JUL handler that sends every record over TCP to a collector on
     * loopback (and to a dead socket, so logging itself fails on a socket); the agent logs through
     * System.Logger, i.e. into the same handler. No recursion, no deadlock, no lost host line.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aHostThatLogsOverTcpLosesNoLineAndNeverRecurses(Jvm jvm) throws Exception {
        int lines = 300;
        Jvm.Result without = jvm.run(probe("logging", String.valueOf(lines)));
        Jvm.Result with = jvm.run(with(List.of(Jvm.agent("log=system")), probe("logging", String.valueOf(lines))));

        String expected = "logged=" + lines + " received=" + lines + " collector-alive=false\n"
                + "dead-destination failures seen by the handler: true\n";
        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(expected, without.stdout(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);
        assertEquals(expected, with.stdout(), "every host line reaches the collector\n" + with.describe());
        assertFalse(with.stderr().contains("internal error"), with::describe);
        assertFalse(with.stderr().contains("StackOverflowError"), with::describe);
        Matcher agentLines = Pattern.compile("agent-lines=(\\d+)").matcher(with.stderr());
        assertTrue(agentLines.find(), with::describe);
        int agent = Integer.parseInt(agentLines.group(1));
        // Rate-limited (5 per second per errno, and a summary): the agent did log into the host's handler,
        // and only a bounded number of lines, not one per failure of its own logging.
        assertTrue(agent > 0 && agent < 100, "agent lines through the host's handler: " + agent + "\n" + with.describe());
    }

    /**
     * 200 platform threads (and on JDK 21+ 10 000 virtual threads) run a fixed mix of refused
     * connects, resets during read, closed sockets and closed channels. The host sees the same
     * multiset of exceptions with and without the agent, the run finishes within its bound, and
     * on JDK 21+ no virtual thread pins with an agent frame on its stack (JFR jdk.VirtualThreadPinned).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void underLoadTheHostSeesTheSameExceptions(Jvm jvm) throws Exception {
        int virtual = jvm.feature() >= 21 ? 10_000 : 0;
        String[] args = {"load", "200", String.valueOf(virtual), "75000"};
        Path dir = Jvm.workDir("safety-load-jdk" + jvm.feature());
        List<String> jfrWith = new ArrayList<>();
        List<String> jfrWithout = new ArrayList<>();
        Path recordingWith = dir.resolve("with.jfr");
        Path recordingWithout = dir.resolve("without.jfr");
        if (virtual > 0) {
            jfrWith.add(recording(recordingWith));
            jfrWithout.add(recording(recordingWithout));
        }
        Jvm.Result without = jvm.run(with(jfrWithout, probe(args)));
        jfrWith.add(Jvm.agent(null));
        Jvm.Result with = jvm.run(with(jfrWith, probe(args)));

        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(0, with.exitCode(), "finished within the bound\n" + with.describe());
        Map<String, Long> seenWithout = folded(without.stdout());
        Map<String, Long> seenWith = folded(with.stdout());
        long ops = 200 * 15 + virtual * 3L;
        assertEquals(ops, seenWithout.values().stream().mapToLong(Long::longValue).sum(), without::describe);
        assertEquals(seenWithout, seenWith, "the same exceptions, as often\n" + with.describe());
        assertFalse(with.stderr().contains("internal error"), with::describe);

        if (virtual > 0) {
            String pinnedWith = pinned(jvm, recordingWith);
            String pinnedWithout = pinned(jvm, recordingWithout);
            int countWith = count(pinnedWith);
            int countWithout = count(pinnedWithout);
            assertTrue(countWithout >= 1, "the canary's pinning is recorded (else JFR saw nothing)\n" + pinnedWithout);
            assertTrue(countWith >= 1, "the canary's pinning is recorded (else JFR saw nothing)\n" + pinnedWith);
            // The agent's frames: io.socketdoctor.* except this test's own probe (io.socketdoctor.it.*), and the bridge.
            assertFalse(Pattern.compile("io\\.socketdoctor\\.(?!it\\.)|SocketDoctorBridge").matcher(pinnedWith).find(),
                    "no pinning with an agent frame on the stack\n" + pinnedWith);
            System.out.println("[SafetyIT] " + jvm + " jdk.VirtualThreadPinned events: " + countWithout
                    + " without the agent, " + countWith + " with it");
        }
    }

    /** Stated bound on what the agent keeps on the heap after 1 000 000 failures (measured: a few KB). */
    static final long RETAINED_BOUND_KB = 4096;

    /**
     * 1 000 000 cheap failures (closed channel reads, closed socket streams) in a tight loop: the
     * heap retained across them (after GC) with the agent stays within {@link #RETAINED_BOUND_KB}
     * of the run without it, and the events file, capped at 1 MB, is rotated to {@code .1}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aMillionFailuresRetainBoundedHeapAndTheEventFileIsCapped(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("safety-memory-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        Files.deleteIfExists(dir.resolve("events.jsonl.1"));
        List<String> program = List.of("-Xmx256m", "-cp", Jvm.testClasspath(), SafetyProbe.class.getName(),
                "memory", "1000000");
        Jvm.Result without = jvm.run(program);
        Jvm.Result with = jvm.run(with(List.of(Jvm.agent("events=" + events + ",events.max=1MB")), program));

        assertEquals(0, without.exitCode(), without::describe);
        assertEquals("failures=1020000\n", without.stdout(), without::describe);
        assertEquals(without.stdout(), with.stdout(), with::describe);
        assertEquals(0, with.exitCode(), with::describe);
        long retainedWithout = retainedKb(without);
        long retainedWith = retainedKb(with);
        System.out.println("[SafetyIT] " + jvm + " 1 000 000 failures: retained " + retainedWithout
                + " KB without the agent, " + retainedWith + " KB with it; " + stderrLine(with, "memory:"));
        assertTrue(retainedWith - retainedWithout < RETAINED_BOUND_KB,
                "retained " + retainedWith + " KB with the agent, " + retainedWithout + " KB without\n" + with.describe());

        long cap = 1024 * 1024;
        Path old = dir.resolve("events.jsonl.1");
        assertTrue(Files.isRegularFile(old), "rotated to events.jsonl.1\n" + with.describe());
        assertTrue(Files.size(old) <= cap, "the rotated file honours the cap: " + Files.size(old));
        assertTrue(Files.size(old) > cap - 16 * 1024, "the rotated file was filled: " + Files.size(old));
        assertTrue(Files.size(events) <= cap, "the current file honours the cap: " + Files.size(events));
        for (Path file : List.of(old, events)) {
            for (String line : Files.readAllLines(file)) {
                assertTrue(line.startsWith("{\"ts\":") && line.endsWith("}"), "whole JSON lines only: " + line);
            }
        }
    }

    private static long retainedKb(Jvm.Result result) {
        Matcher m = Pattern.compile("retained-kb=(-?\\d+)").matcher(result.stderr());
        assertTrue(m.find(), result::describe);
        return Long.parseLong(m.group(1));
    }

    private static String stderrLine(Jvm.Result result, String prefix) {
        return result.stderrLines().stream().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }

    /**
     * An events path that cannot be opened (no such directory; a directory) is one line and the
     * agent stays off; one that fails on every write ({@code /dev/full}) is one line and the
     * diagnoses go on. The host's results never change.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void anUnwritableEventPathIsOneLineAndTheHostRuns(Jvm jvm) throws Exception {
        Jvm.Result without = baseline(jvm, "faults");
        Path dir = Jvm.workDir("safety-badpath-jdk" + jvm.feature());
        for (String path : List.of("/nonexistent-socket-doctor-dir/events.jsonl", dir.toString())) {
            Jvm.Result with = jvm.run(with(List.of(Jvm.agent("events=" + path)), probe("faults")));
            assertEquals(without.exitCode(), with.exitCode(), with::describe);
            assertEquals(without.stdout(), with.stdout(), with::describe);
            assertEquals(1, with.stderrLines().size(), "one line\n" + with.describe());
            assertTrue(with.stderr().startsWith("socket-doctor: could not start (") && with.stderr().contains(path)
                    && with.stderr().contains("the application runs without it"), with::describe);
        }
        if (Files.exists(Path.of("/dev/full"))) {
            Jvm.Result full = jvm.run(with(List.of(Jvm.agent("events=/dev/full")), probe("faults")));
            assertEquals(without.exitCode(), full.exitCode(), full::describe);
            assertEquals(without.stdout(), full.stdout(), full::describe);
            List<String> notes = full.stderrLines().stream().filter(l -> l.startsWith("socket-doctor:")).toList();
            assertEquals(1, notes.size(), full::describe);
            assertTrue(notes.get(0).contains("cannot write events to /dev/full") && notes.get(0).contains("JSON events are off"),
                    full::describe);
            assertTrue(full.stderr().contains("[socket-doctor] ECONNREFUSED"), "diagnoses go on\n" + full.describe());
        }
    }

    /**
     * A host with its own Byte Buddy (1.14.18, not the agent's version) on the class path, the
     * agent loaded early with -javaagent: the host generates its class with its own copy, its
     * {@code net.bytebuddy} names resolve to its own jar, the agent's copy is shaded away (the jar
     * has no class outside {@code io/socketdoctor/}), and the agent still diagnoses.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aHostWithItsOwnByteBuddyAndTheAgentNeverMeet(Jvm jvm) throws Exception {
        String hostByteBuddy = Path.of(net.bytebuddy.ByteBuddy.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI()).toString();
        assertTrue(hostByteBuddy.endsWith("byte-buddy-1.14.18.jar"), hostByteBuddy);
        List<String> program = List.of("-cp", Jvm.testClasspath() + java.io.File.pathSeparator + hostByteBuddy,
                io.socketdoctor.it.probe.ByteBuddyHost.class.getName());
        Jvm.Result without = jvm.run(program);
        Jvm.Result with = jvm.run(with(List.of(Jvm.agent(null)), program));

        assertEquals(5, without.exitCode(), without::describe);
        assertEquals("host byte buddy: byte-buddy-1.14.18.jar loaded by the system class loader\n"
                + "generated by the host's Byte Buddy\n"
                + "net.bytebuddy.agent.builder.AgentBuilder from: byte-buddy-1.14.18.jar\n"
                + "net.bytebuddy.nexus.disabled=null\n"
                + "caught java.net.ConnectException: Connection refused\n", without.stdout(), without::describe);
        assertEquals(without.exitCode(), with.exitCode(), with::describe);
        assertEquals(without.stdout(), with.stdout(), with::describe);
        assertTrue(with.stderr().contains("[socket-doctor] ECONNREFUSED"), "the agent works beside it\n" + with.describe());
        assertFalse(with.stderr().contains("could not start") || with.stderr().contains("not instrumented")
                || with.stderr().contains("internal error"), with::describe);
        try (var jar = new java.util.jar.JarFile(Jvm.agentJar().toFile())) {
            List<String> foreign = jar.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(n -> n.endsWith(".class") && !n.startsWith("io/socketdoctor/")
                            && !n.startsWith("META-INF/versions/"))
                    .toList();
            assertEquals(List.of(), foreign, "every class of the agent jar is in io/socketdoctor/");
            List<String> versioned = jar.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(n -> n.startsWith("META-INF/versions/") && n.endsWith(".class")
                            && !n.matches("META-INF/versions/\\d+/io/socketdoctor/.*"))
                    .toList();
            assertEquals(List.of(), versioned, "no unshaded multi-release class either");
        }
    }

    /**
     * The exact lines {@code "<count> x <class>: <message>"}; "Connection reset" and "Connection
     * reset by peer" are folded: which of the two a reset during read gets depends on whether the
     * RST arrived before or during the read (a race inside the JDK, with or without the agent).
     */
    static Map<String, Long> folded(String stdout) {
        Map<String, Long> map = new TreeMap<>();
        for (String line : stdout.lines().toList()) {
            int x = line.indexOf(" x ");
            if (x < 0) {
                continue;
            }
            String what = line.substring(x + 3);
            if (what.equals("java.net.SocketException: Connection reset by peer")) {
                what = "java.net.SocketException: Connection reset";
            }
            map.merge(what, Long.parseLong(line.substring(0, x)), Long::sum);
        }
        return map;
    }

    private static String recording(Path file) {
        return "-XX:StartFlightRecording:filename=" + file + ",settings=none,+jdk.VirtualThreadPinned#enabled=true,"
                + "+jdk.VirtualThreadPinned#threshold=0ms,+jdk.VirtualThreadPinned#stackTrace=true";
    }

    private static String pinned(Jvm jvm, Path recording) throws Exception {
        assertTrue(Files.isRegularFile(recording), "no recording at " + recording);
        Process p = new ProcessBuilder(jvm.home().resolve("bin/jfr").toString(), "print", "--stack-depth", "64",
                "--events", "jdk.VirtualThreadPinned", recording.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jfr print timed out");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static int count(String jfrPrint) {
        int n = 0;
        for (int at = jfrPrint.indexOf("jdk.VirtualThreadPinned {"); at >= 0;
                at = jfrPrint.indexOf("jdk.VirtualThreadPinned {", at + 1)) {
            n++;
        }
        return n;
    }
}
