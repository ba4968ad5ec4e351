package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.InterfaceAddingAgent;
import io.socketdoctor.it.probe.Probe;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Beside the OpenTelemetry Java agent (the real jar from Maven Central, exporters off), in both
 * orders: many services run it, often through {@code JAVA_TOOL_OPTIONS}, so it comes first. It
 * changes the shape of classes as they load (added interfaces), which a retransformation of such
 * a class may not undo; ours transforms the hooked classes as they load, in the same chain, and
 * retries a refused retransformation class by class. Whatever the order: every hook point in
 * place (no "not instrumented" line), the program's own output unchanged, its failure diagnosed.
 */
class OtelCoexistenceIT {

    private static final List<String> OTEL_QUIET = List.of("-Dotel.traces.exporter=none",
            "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none", "-Dotel.javaagent.logging=none");

    static Stream<Arguments> cases() {
        return Jvm.all().stream().flatMap(jvm -> Stream.of(Arguments.of(jvm, true), Arguments.of(jvm, false)));
    }

    @ParameterizedTest(name = "{0}, OpenTelemetry first: {1}")
    @MethodSource("cases")
    void bothAgentsInEitherOrder(Jvm jvm, boolean otelFirst) throws Exception {
        Path otel = Paths.get(System.getProperty("it.otelAgent"));
        assertTrue(Files.isRegularFile(otel), "the OpenTelemetry agent jar is missing: " + otel);
        Path dir = Jvm.workDir("otel-jdk" + jvm.feature() + (otelFirst ? "-otel-first" : "-ours-first"));
        Path events = dir.resolve("events.jsonl");
        Files.deleteIfExists(events);
        String theirs = "-javaagent:" + otel;
        // -Xverify:remote (the default): the JDK's CDS archive in use, as in production.
        List<String> program = List.of("-Xverify:remote", "-cp", Jvm.testClasspath(), Probe.class.getName(),
                "first-error");

        Jvm.Result alone = jvm.run(concat(OTEL_QUIET, List.of(theirs), program));
        String ours = Jvm.agent("events=" + events);
        List<String> agents = otelFirst ? List.of(theirs, ours) : List.of(ours, theirs);
        Jvm.Result both = jvm.run(concat(OTEL_QUIET, agents, program));

        assertEquals(0, alone.exitCode(), alone::describe);
        assertEquals(alone.exitCode(), both.exitCode(), both::describe);
        assertTrue(alone.stdout().startsWith("first error: java.net.ConnectException: Connection refused"),
                alone::describe);
        assertEquals(alone.stdout(), both.stdout(), both::describe);
        assertFalse(both.stderr().contains("not instrumented") || both.stderr().contains("could not start"),
                both::describe);
        // Our stderr is the diagnosis line; the rest is the OpenTelemetry agent's as it was. On JDK 25 the
        // VM warns each time that agent appends a jar to the boot class path, which it does (lazily) to
        // give the first Runnable, Callable and Future classes it sees a field: ours are such classes,
        // as would be any service's. So that warning counts as one, however often it comes.
        assertEquals(distinctVmWarnings(alone.stderrLines()), distinctVmWarnings(both.stderrLines().stream()
                .filter(line -> !line.matches(ConfigurationIT.TIME + " \\[socket-doctor] .*")).collect(Collectors.toList())), both::describe);
        assertTrue(both.stderr().contains("[socket-doctor] ECONNREFUSED (errno 111, refused) on connect"),
                both::describe);
        List<Map<String, Object>> refused = Events.read(events).where(e -> "refused".equals(e.get("cause")));
        assertEquals(1, refused.size(), refused::toString);
    }

    /**
     * An agent before ours made {@code java.net.ServerSocket} impossible to retransform (see
     * {@link InterfaceAddingAgent}) and loaded it and {@code java.net.Socket}: our batch is refused
     * as a whole, so each class is retried alone. ServerSocket is named, once, in one short line;
     * Socket's hooks are in place (its refused connect is diagnosed).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aClassTheJvmRefusesToRetransformIsLostAloneAndNamedOnce(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("refused-retransform-jdk" + jvm.feature());
        Path jar = dir.resolve("interface-adding-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", InterfaceAddingAgent.class.getName());
        manifest.getMainAttributes().putValue("Can-Retransform-Classes", "true");
        String entry = InterfaceAddingAgent.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(Paths.get(Jvm.testClasspath(), entry)));
            out.closeEntry();
        }
        Jvm.Result result = jvm.run(List.of("-javaagent:" + jar + "=java.net.ServerSocket", Jvm.agent(null),
                "-cp", Jvm.testClasspath(), Probe.class.getName(), "first-error"));

        assertEquals(0, result.exitCode(), result::describe);
        assertTrue(result.stdout().startsWith("first error: java.net.ConnectException: Connection refused"),
                result::describe);
        List<String> lost = result.stderrLines().stream().filter(line -> line.contains("not instrumented"))
                .collect(Collectors.toList());
        assertEquals(1, lost.size(), result::describe);
        assertTrue(lost.get(0).contains("java.net.ServerSocket (4 hook points): the JVM refused to retransform it"
                + " (class redefinition failed: attempted to change superclass or interfaces)"), result::describe);
        assertFalse(lost.get(0).contains("java.net.Socket."), result::describe);
        assertTrue(lost.get(0).length() < 400, "one short line: " + lost.get(0));
        assertTrue(result.stderr().contains("[socket-doctor] ECONNREFUSED (errno 111, refused) on connect"),
                result::describe);
    }

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    private static List<String> distinctVmWarnings(List<String> lines) {
        String appended = "OpenJDK 64-Bit Server VM warning: Sharing is only supported for boot loader classes"
                + " because bootstrap classpath has been appended";
        List<String> kept = lines.stream().filter(line -> !line.equals(appended)).collect(Collectors.toList());
        if (lines.contains(appended)) {
            kept.add(0, appended);
        }
        return kept;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).collect(Collectors.toList());
    }
}
