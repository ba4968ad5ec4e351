package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.socketdoctor.it.probe.ClassIsolationHost;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Class loading (issue 7, item 6): a host with its own Byte Buddy (1.14.18) and its own Micrometer
 * (1.12.13), both other versions than the agent's shaded copies, with the agent loaded early
 * (-javaagent) and late (attach). The host keeps using its own classes, from its own jars; the
 * agent diagnoses; no class-related error anywhere; the agent jar has nothing outside
 * {@code io/socketdoctor/} and {@code META-INF/} that could shadow the host's classes.
 */
class ClassIsolationIT {

    private static final String BYTE_BUDDY_JAR = "byte-buddy-1.14.18.jar";
    private static final String MICROMETER_JAR = "micrometer-core-1.12.13.jar";
    private static final long WAIT_MILLIS = 20_000;
    private static final Pattern ITERATION = Pattern.compile(
            "^iteration (\\d+) bb=made-by-host-bb bb-loader-ok=true counter=(\\d+) caught "
                    + "java\\.net\\.ConnectException: Connection refused diagnosed=(true|false)$");
    private static final Pattern CLASS_ERROR = Pattern.compile(
            "NoClassDefFoundError|LinkageError|ClassCastException|ClassNotFoundException|IncompatibleClassChangeError"
                    + "|NoSuchMethodError|NoSuchFieldError|AbstractMethodError|VerifyError|ServiceConfigurationError"
                    + "|iteration \\d+ error:");

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    /** The header lines the host prints before its iterations, the same with and without the agent. */
    private static final String HEADER = "host byte buddy: " + BYTE_BUDDY_JAR + " loader=system version=1.14.18\n"
            + "host micrometer: " + MICROMETER_JAR + " loader=system version=1.12.13\n"
            + "net.bytebuddy.agent.builder.AgentBuilder from: " + BYTE_BUDDY_JAR + "\n"
            + "io.micrometer.prometheusmetrics.PrometheusMeterRegistry from: nowhere\n"
            + "io.micrometer.core.instrument.simple.SimpleMeterRegistry from: " + MICROMETER_JAR + "\n"
            + "host global registries: 0 meters: 0\n";

    /**
     * -javaagent: the host's Byte Buddy and Micrometer are its own (jar names, versions from their
     * manifests, the system class loader), it generates a class and counts with them, the agent
     * diagnoses the refused connection (event in the events file, suppressed diagnosis on the
     * exception), and the host's output is the same as without the agent but for that diagnosis.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void earlyLoadedAgentAndTheHostsOwnLibrariesNeverMeet(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("class-isolation-early-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        List<String> program = List.of("-cp", hostClasspath(), ClassIsolationHost.class.getName(), "once");
        Jvm.Result without = jvm.run(program);
        List<String> withAgent = new ArrayList<>(List.of(Jvm.agent("events=" + events)));
        withAgent.addAll(program);
        Jvm.Result with = jvm.run(withAgent);

        String iteration = "iteration 1 bb=made-by-host-bb bb-loader-ok=true counter=1 caught "
                + "java.net.ConnectException: Connection refused diagnosed=";
        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(HEADER + iteration + "false\ndone errors=0\n", without.stdout(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);
        assertEquals(HEADER + iteration + "true\ndone errors=0\n", with.stdout(),
                "the host uses its own classes and the agent diagnosed\n" + with.describe());
        assertTrue(with.stderr().contains("[socket-doctor] ECONNREFUSED"), with::describe);
        assertNoClassError(with.stdout() + with.stderr(), with::describe);
        assertFalse(with.stderr().contains("could not start") || with.stderr().contains("not instrumented")
                || with.stderr().contains("internal error"), with::describe);
        List<Map<String, Object>> seen = Events.read(events).all();
        assertFalse(seen.isEmpty(), "no event in " + events + "\n" + with.describe());
        assertTrue(seen.stream().allMatch(e -> "ECONNREFUSED".equals(e.get("errno"))), () -> "events: " + seen);

        assertAgentJarHasNothingOfTheHosts();
    }

    /**
     * Attach: the host runs without the agent (failures not diagnosed), then
     * {@code java -jar agent.jar attach <pid> events=<file>}; after it the host still generates its
     * classes and counts with its own libraries, its later failures are diagnosed (events file and
     * exception), and no class-related error appears on its stdout or stderr, nor on the CLI's.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void lateAttachedAgentAndTheHostsOwnLibrariesNeverMeet(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("class-isolation-attach-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        Path out = dir.resolve("host.out");
        Path err = dir.resolve("host.err");
        List<String> command = List.of(jvm.home().resolve("bin/java").toString(), "-cp", hostClasspath(),
                ClassIsolationHost.class.getName(), "loop", "60");
        ProcessBuilder builder = new ProcessBuilder(command).directory(new File("/tmp"));
        builder.environment().keySet().removeIf(k -> k.startsWith("SOCKETDOCTOR_") || k.equals("JAVA_TOOL_OPTIONS")
                || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
        Process host = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        Supplier<String> describe = () -> "host pid " + host.pid()
                + (host.isAlive() ? " (running)" : " (exited " + host.exitValue() + ")")
                + "\nstdout:\n" + read(out) + "\nstderr:\n" + read(err);
        try {
            await(() -> read(out).contains("class-isolation-host ready") || !host.isAlive(), describe);
            assertTrue(host.isAlive(), describe);
            assertTrue(read(out).startsWith(HEADER), describe);

            // Before: the host's own libraries work, nobody diagnoses.
            await(() -> iterations(read(out)).size() >= 3 || !host.isAlive(), describe);
            assertTrue(iterations(read(out)).stream().noneMatch(i -> i.diagnosed), describe);

            Jvm.Result attach = jvm.run(List.of("-jar", Jvm.agentJar().toString(), "attach",
                    Long.toString(host.pid()), "events=" + events));
            assertEquals(0, attach.exitCode(), attach::describe);
            assertTrue(attach.stdout().contains("attached to pid " + host.pid()), attach::describe);
            assertNoClassError(attach.stdout() + attach.stderr(), attach::describe);
            int attachedAt = iterations(read(out)).size();

            // After: diagnosed failures, in the events file and on the host's exceptions, while the
            // host goes on with its own Byte Buddy and Micrometer.
            await(() -> {
                try {
                    return Events.read(events).all().size() >= 3 || !host.isAlive();
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            }, () -> "fewer than 3 events in " + events + "\n" + describe.get());
            await(() -> iterations(read(out)).size() >= attachedAt + 5 || !host.isAlive(), describe);
            assertTrue(host.isAlive(), describe);
            List<Iteration> all = iterations(read(out));
            List<Iteration> after = all.subList(attachedAt + 1, all.size());
            assertTrue(after.size() >= 4 && after.stream().allMatch(i -> i.diagnosed),
                    "every failure after attach is diagnosed\n" + describe.get());
            for (int i = 0; i < all.size(); i++) {
                assertEquals(i + 1, all.get(i).n, describe);
                assertEquals(i + 1, all.get(i).counter, "the host's Micrometer counter counts every iteration\n"
                        + describe.get());
            }
            String stdout = read(out);
            String stderr = read(err);
            List<String> odd = stdout.lines().filter(l -> l.startsWith("iteration ") && !ITERATION.matcher(l).matches())
                    .toList();
            assertEquals(List.of(), odd, "every iteration succeeded with the host's own libraries\n" + describe.get());
            assertNoClassError(stdout + stderr, describe);
            assertTrue(stderr.contains("[socket-doctor] ECONNREFUSED"), describe);
            assertFalse(stderr.contains("could not start") || stderr.contains("not instrumented")
                    || stderr.contains("internal error"), describe);
            assertTrue(Events.read(events).all().stream().allMatch(e -> "ECONNREFUSED".equals(e.get("errno"))),
                    () -> "events: " + events);
        } finally {
            host.destroy();
            if (!host.waitFor(10, TimeUnit.SECONDS)) {
                host.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    // ---- helpers ----

    /** The probe classes, and the host's own Byte Buddy and Micrometer (with Micrometer's dependencies). */
    private static String hostClasspath() throws Exception {
        List<String> entries = new ArrayList<>(List.of(Jvm.testClasspath()));
        String byteBuddy = jarOf("net.bytebuddy.ByteBuddy");
        String micrometer = jarOf("io.micrometer.core.instrument.Meter");
        assertTrue(byteBuddy.endsWith(BYTE_BUDDY_JAR), byteBuddy);
        assertTrue(micrometer.endsWith(MICROMETER_JAR), micrometer);
        entries.add(byteBuddy);
        entries.add(micrometer);
        for (String dependency : List.of("io.micrometer.common.KeyValue", "io.micrometer.observation.Observation",
                "org.HdrHistogram.Histogram", "org.LatencyUtils.PauseDetector")) {
            String jar = jarOf(dependency);
            assertFalse(jar.contains("socket-doctor"), jar);
            entries.add(jar);
        }
        return String.join(File.pathSeparator, entries);
    }

    private static String jarOf(String className) throws Exception {
        return Path.of(Class.forName(className).getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Every entry of the agent jar is under io/socketdoctor/ or META-INF/ (no services, no unshaded versioned class). */
    private static void assertAgentJarHasNothingOfTheHosts() throws IOException {
        try (ZipFile jar = new ZipFile(Jvm.agentJar().toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("io/socketdoctor/shaded/")),
                    "the agent's libraries are relocated under io/socketdoctor/shaded/");
            List<String> foreign = names.stream()
                    .filter(n -> !n.equals("io/") && !n.startsWith("io/socketdoctor/") && !n.startsWith("META-INF/"))
                    .toList();
            assertEquals(List.of(), foreign, "entries of the agent jar outside io/socketdoctor/ and META-INF/");
            List<String> meta = names.stream()
                    .filter(n -> n.startsWith("META-INF/services/")
                            || (n.startsWith("META-INF/versions/") && n.endsWith(".class")
                                    && !n.matches("META-INF/versions/\\d+/io/socketdoctor/.*")))
                    .toList();
            assertEquals(List.of(), meta, "no service file and no unshaded multi-release class");
        }
    }

    private static void assertNoClassError(String text, Supplier<String> describe) {
        Matcher m = CLASS_ERROR.matcher(text);
        if (m.find()) {
            fail("class-related error '" + m.group() + "'\n" + describe.get());
        }
    }

    private record Iteration(long n, long counter, boolean diagnosed) {
    }

    private static List<Iteration> iterations(String stdout) {
        List<Iteration> list = new ArrayList<>();
        for (String line : stdout.lines().toList()) {
            Matcher m = ITERATION.matcher(line);
            if (m.matches()) {
                list.add(new Iteration(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                        Boolean.parseBoolean(m.group(3))));
            }
        }
        return list;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void await(BooleanSupplier condition, Supplier<String> message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + WAIT_MILLIS + " ms: " + message.get());
            }
            Thread.sleep(50);
        }
    }
}
