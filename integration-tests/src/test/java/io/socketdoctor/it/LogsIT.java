package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a log shipper reads: the identity on every JSON event (events file and {@code log=json}),
 * {@code log=json} on stderr or stdout, kept apart from the application's own output, and its rate limit.
 */
class LogsIT {

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    private static List<String> probe(String agentOptions, String... program) {
        List<String> args = new ArrayList<>(List.of(Jvm.agent(agentOptions), "-cp", Jvm.testClasspath(),
                Probe.class.getName()));
        args.addAll(List.of(program));
        return args;
    }

    private static String hostname() throws Exception {
        return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
    }

    private static String jarVersion() throws Exception {
        try (JarFile jar = new JarFile(Jvm.agentJar().toFile())) {
            return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
    }

    private static void assertIdentity(Map<String, Object> event, String service, Jvm.Result run) throws Exception {
        assertEquals(service, event.get("service"), run::describe);
        assertEquals(run.pid(), event.get("pid"), "the child JVM's pid\n" + run.describe());
        assertEquals(hostname(), event.get("host"), run::describe);
        assertEquals(jarVersion(), event.get("agent_version"), run::describe);
    }

    /** The events file: a real reset's line names the service given, the child's pid, the host and the jar's version. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void everyEventNamesItsProcess(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("identity-jdk" + jvm.feature()).resolve("events.jsonl");
        Jvm.Result run = jvm.run(probe("service=checkout,log=off,events=" + events, "resets", "2", "0"));
        assertEquals(0, run.exitCode(), run::describe);
        assertTrue(run.stdout().contains("resets failures=2"), run::describe);
        List<Map<String, Object>> resets = Events.read(events).where(e -> "ECONNRESET".equals(e.get("errno")));
        assertEquals(2, resets.size(), run::describe);
        for (Map<String, Object> event : Events.read(events).all()) {
            assertIdentity(event, "checkout", run);
        }
        assertFalse(resets.get(0).containsKey("level"), "the events file has no level");
    }

    /** Without service= (and without OTEL_SERVICE_NAME) the service is the main class. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void theServiceDefaultsToTheMainClass(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("identity-main-jdk" + jvm.feature()).resolve("events.jsonl");
        Jvm.Result run = jvm.run(probe("log=off,events=" + events, "burst", "1"));
        assertEquals("burst failures=1\n", run.stdout(), run::describe);
        List<Map<String, Object>> refused = Events.read(events).where(e -> "ECONNREFUSED".equals(e.get("errno")));
        assertEquals(1, refused.size(), run::describe);
        assertIdentity(refused.get(0), Probe.class.getName(), run);
    }

    /** Checks every line of the agent's stream: all JSON with the fields a shipper keys on. Returns the events. */
    private static List<Map<String, Object>> jsonLines(List<String> lines, Jvm.Result run) throws Exception {
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : lines) {
            Map<String, Object> json = Events.parse(line);
            for (String field : List.of("ts", "level", "event", "service", "pid", "host", "agent_version")) {
                assertTrue(json.containsKey(field), field + " in " + line + "\n" + run.describe());
            }
            assertTrue(((String) json.get("ts")).matches(ConfigurationIT.TIME), line);
            assertEquals(run.pid(), json.get("pid"), line);
            if ("socket_error".equals(json.get("event"))) {
                assertTrue(json.containsKey("errno"), line);
                assertEquals("WARN", json.get("level"), line);
            }
            events.add(json);
        }
        return events;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void logJsonWritesOneObjectPerLineOnStderr(Jvm jvm) throws Exception {
        Jvm.Result run = jvm.run(probe("log=json,service=checkout", "resets", "2", "0"));
        assertEquals(0, run.exitCode(), run::describe);
        // stdout is the application's alone; stderr is the agent's alone, every line of it JSON.
        assertEquals(List.of("reset 0: java.net.SocketException: Connection reset",
                "reset 1: java.net.SocketException: Connection reset", "resets failures=2"), run.stdoutLines(),
                run::describe);
        List<Map<String, Object>> events = jsonLines(run.stderrLines(), run);
        List<Map<String, Object>> resets = events.stream().filter(e -> "ECONNRESET".equals(e.get("errno"))).toList();
        assertEquals(2, resets.size(), run::describe);
        assertEquals("checkout", resets.get(0).get("service"));
        assertEquals("peer_reset_read", resets.get(0).get("cause"), run::describe);
        assertEquals(104L, resets.get(0).get("errno_code"), run::describe);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void logJsonGoesToStdoutWhenAskedAndStaysApartFromTheApplicationsLines(Jvm jvm) throws Exception {
        Jvm.Result run = jvm.run(probe("log=json,log.to=stdout", "resets", "2", "0"));
        assertEquals(0, run.exitCode(), run::describe);
        assertEquals("", run.stderr(), "nothing of the agent's on stderr\n" + run.describe());
        List<String> agent = run.stdoutLines().stream().filter(l -> l.startsWith("{")).toList();
        List<String> application = run.stdoutLines().stream().filter(l -> !l.startsWith("{")).toList();
        // Whole lines each: the application's lines are exactly its own, never cut by or glued to a JSON object.
        assertEquals(List.of("reset 0: java.net.SocketException: Connection reset",
                "reset 1: java.net.SocketException: Connection reset", "resets failures=2"), application,
                run::describe);
        List<Map<String, Object>> events = jsonLines(agent, run);
        assertEquals(2, events.stream().filter(e -> "ECONNRESET".equals(e.get("errno"))).count(), run::describe);
        assertEquals(Probe.class.getName(), events.get(0).get("service"));
    }

    /** log=json obeys log.rate: what it leaves out is counted in a JSON summary, and the two add up. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void logJsonIsRateLimitedWithSummariesAsObjects(Jvm jvm) throws Exception {
        Jvm.Result run = jvm.run(probe("log=json,log.rate=3", "burst", "40"));
        assertEquals("burst failures=40\n", run.stdout(), run::describe);
        List<Map<String, Object>> lines = jsonLines(run.stderrLines(), run);
        long reported = lines.stream().filter(e -> "ECONNREFUSED".equals(e.get("errno"))).count();
        List<Map<String, Object>> summaries = lines.stream().filter(e -> "log_rate_limited".equals(e.get("event")))
                .toList();
        assertTrue(reported >= 3 && reported <= 9, "3 lines per second at most\n" + run.describe());
        long more = 0;
        for (Map<String, Object> summary : summaries) {
            assertEquals("ECONNREFUSED", summary.get("rate_key"), run::describe);
            assertEquals("INFO", summary.get("level"), run::describe);
            more += (Long) summary.get("more");
        }
        assertEquals(40, reported + more, "every failure is either a line or counted\n" + run.describe());
    }

    /** log.to=stdout moves the human line too; it starts with the event's time. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void theHumanLineStartsWithItsTimeAndFollowsLogTo(Jvm jvm) throws Exception {
        Jvm.Result run = jvm.run(probe("log.to=stdout", "burst", "1"));
        assertEquals("", run.stderr(), run::describe);
        List<String> lines = run.stdoutLines();
        assertEquals(2, lines.size(), run::describe);
        assertTrue(lines.contains("burst failures=1"), run::describe);
        assertTrue(lines.stream().anyMatch(l -> l.matches(ConfigurationIT.TIME
                + " \\[socket-doctor] ECONNREFUSED \\(errno 111, refused\\) on connect socket .*")), run::describe);
    }
}
