package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.socketdoctor.it.probe.RealClientsProbe;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real clients (issue 15): the JDK's HttpClient, OkHttp 5, Netty's NIO transport and the JDK's
 * SSLSocket fail on 127.0.0.1 against plain java.net servers ({@link RealClientsProbe}), on JDK 17
 * and 25. Today's truths that must stay: every scenario exits 0, the application sees exactly the
 * same with and without the agent, and each failing scenario is at least one {@code socket_error}
 * with the errno of its failure. Each scenario runs with the agent in a JVM of its own, so its events
 * are its own ({@link #run}); the runs without the agent share one JVM per JDK.
 */
class RealClientsIT {

    /** The options every run with the agent gets (besides {@code events=}). */
    static final String OPTIONS = "idle.after=1s,closewait.after=2s";

    /** Each scenario (with its argument) and the errno of its failure; null where the application sees success. */
    static final Map<String, String> SCENARIOS = scenarios();

    private static Map<String, String> scenarios() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("httpclient-refused", "ECONNREFUSED");
        s.put("httpclient-reset", "ECONNRESET");
        s.put("httpclient-tls-reset", "ECONNRESET");
        s.put("okhttp-refused", "ECONNREFUSED");
        s.put("okhttp-reset", "ECONNRESET");
        s.put("okhttp-stale", null);
        s.put("okhttp-close-wait=7", null);
        s.put("netty-nio-refused", "ECONNREFUSED");
        s.put("netty-nio-reset", "ECONNRESET");
        s.put("tls-reset", "ECONNRESET");
        s.put("tls-close", null);
        s.put("channel-reset-then-closed", "ECONNRESET");
        return s;
    }

    /** What the application saw without the agent, by JDK: one JVM runs every scenario. */
    private static final Map<Integer, Jvm.Result> WITHOUT_AGENT = new ConcurrentHashMap<>();

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Jvm jvm : Jvm.all()) {
            for (String scenario : SCENARIOS.keySet()) {
                cases.add(Arguments.of(jvm, scenario));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void theApplicationSeesTheSameAndEachFailureIsAnEvent(Jvm jvm, String scenario) throws Exception {
        Jvm.Result without = withoutAgent(jvm);
        String expected = line(without, scenario);
        String errno = SCENARIOS.get(scenario);
        assertTrue(errno == null ? expected.contains(": HTTP 200 ") || expected.endsWith(": closed without an exception")
                : expected.contains(": caught "), () -> "the scenario did not do what it says\n" + without.describe());

        Run with = run(jvm, scenario, OPTIONS);
        assertEquals(0, with.result().exitCode(), with.result()::describe);
        assertEquals(List.of(expected), with.result().stdoutLines(),
                "the application must see the same with the agent\n" + with.result().describe());
        assertFalse(with.result().stderr().contains("internal error")
                || with.result().stderr().contains("not instrumented"), with.result()::describe);
        if (errno != null) {
            List<Map<String, Object>> errors = with.events().where(
                    e -> "socket_error".equals(e.get("event")) && errno.equals(e.get("errno")));
            assertFalse(errors.isEmpty(), () -> "no socket_error with " + errno + ": " + with.events().all()
                    + "\n" + with.result().describe());
        }
        DiagnosisTruth.check(scenario, with.events(), with.result());
    }

    /** One scenario's run with the agent: what the program printed, and the events the agent wrote. */
    record Run(Jvm.Result result, Events events) {
    }

    /** Runs one scenario (e.g. {@code okhttp-close-wait=3}) with the agent and {@code options}; returns its events. */
    static Events events(Jvm jvm, String scenario, String options) throws Exception {
        return run(jvm, scenario, options).events();
    }

    /** Runs one scenario with the agent, {@code events=<a file of its own>} and {@code options}. */
    static Run run(Jvm jvm, String scenario, String options) throws Exception {
        Path dir = Jvm.workDir("real-clients-jdk" + jvm.feature() + "-" + scenario.replaceAll("[^A-Za-z0-9-]", "_"));
        Path events = dir.resolve("events.jsonl");
        String agentOptions = "events=" + events + (options == null || options.isEmpty() ? "" : "," + options);
        List<String> args = new ArrayList<>(List.of(Jvm.agent(agentOptions)));
        args.addAll(program(List.of(scenario)));
        Jvm.Result result = jvm.run(args);
        return new Run(result, Events.read(events));
    }

    private static Jvm.Result withoutAgent(Jvm jvm) {
        return WITHOUT_AGENT.computeIfAbsent(jvm.feature(), feature -> {
            try {
                Jvm.Result r = jvm.run(program(new ArrayList<>(SCENARIOS.keySet())));
                assertEquals(0, r.exitCode(), r::describe);
                return r;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The line {@code <scenario>: ...} that the probe printed for a scenario. */
    private static String line(Jvm.Result result, String scenario) {
        String name = scenario.contains("=") ? scenario.substring(0, scenario.indexOf('=')) : scenario;
        List<String> lines = result.stdoutLines().stream().filter(l -> l.startsWith(name + ": "))
                .collect(Collectors.toList());
        assertEquals(1, lines.size(), () -> "one line for " + name + "\n" + result.describe());
        return lines.get(0);
    }

    private static List<String> program(List<String> scenarios) throws Exception {
        List<String> args = new ArrayList<>(List.of("-cp", classpath(), RealClientsProbe.class.getName()));
        args.addAll(scenarios);
        return args;
    }

    /** The probe's compiled classes and the clients' jars (copied by the pom into target/real-clients). */
    private static String classpath() throws Exception {
        Path jars = Paths.get(System.getProperty("it.realClients", "missing-it.realClients"));
        if (!Files.isDirectory(jars)) {
            fail("it.realClients not found at " + jars + ": run the tests through Maven (it copies the jars)");
        }
        List<String> entries = new ArrayList<>(List.of(Jvm.testClasspath()));
        try (Stream<Path> list = Files.list(jars)) {
            list.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> entries.add(p.toString()));
        }
        assertTrue(entries.stream().anyMatch(e -> e.contains("okhttp")) && entries.stream().anyMatch(e -> e.contains("netty-codec-http")),
                () -> "client jars missing in " + jars);
        return String.join(File.pathSeparator, entries);
    }
}
