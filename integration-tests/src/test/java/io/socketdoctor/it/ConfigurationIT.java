package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Options, from the -javaagent arguments and system properties, as a user would set them. */
class ConfigurationIT {

    /** The start of a human log line: {@code 2026-12-06T20:45:01.123Z} (Instant.toString). */
    static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z";

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    private static List<String> probe(String... jvmArgsThenProgram) {
        List<String> args = new ArrayList<>();
        int split = jvmArgsThenProgram.length - 1;
        while (split > 0 && !jvmArgsThenProgram[split - 1].startsWith("-")) {
            split--;
        }
        for (int i = 0; i < jvmArgsThenProgram.length; i++) {
            if (i == split) {
                args.addAll(List.of("-cp", Jvm.testClasspath(), Probe.class.getName()));
            }
            args.add(jvmArgsThenProgram[i]);
        }
        return args;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aBadOptionPrintsOneLineAndTheApplicationRunsNormally(Jvm jvm) throws Exception {
        Jvm.Result unknown = jvm.run(probe(Jvm.agent("bogus=1"), "enrich"));
        assertEquals(0, unknown.exitCode(), unknown::describe);
        assertEquals(1, unknown.stderrLines().size(), unknown::describe);
        assertTrue(unknown.stderrLines().get(0).matches("socket-doctor: unknown option 'bogus' in the agent arguments"
                + " \\(known options: enrich, log, log\\.to, log\\.rate, events(, [a-z.]+)*\\)\\. Socket Doctor is off;"
                + " the application runs normally\\."), unknown::describe);
        assertTrue(unknown.stdout().contains("suppressed=0"), "agent is off: nothing attached\n" + unknown.describe());

        Jvm.Result badValue = jvm.run(probe("-Dsocketdoctor.enrich=loud", Jvm.agent(null), "enrich"));
        assertEquals(0, badValue.exitCode(), badValue::describe);
        assertEquals(1, badValue.stderrLines().size(), badValue::describe);
        assertTrue(badValue.stderr().contains("enrich=loud in system property socketdoctor.enrich is not valid: "
                + "enrich takes suppressed|message|off"), badValue::describe);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void enrichmentModesAttachTheDiagnosisWithoutChangingTheException(Jvm jvm) throws Exception {
        Jvm.Result off = jvm.run(probe("enrich"));
        Jvm.Result suppressed = jvm.run(probe(Jvm.agent(null), "enrich"));
        Jvm.Result message = jvm.run(probe(Jvm.agent("enrich:message,log=off"), "enrich"));
        Jvm.Result none = jvm.run(probe(Jvm.agent("enrich=off"), "enrich"));

        assertTrue(off.stdout().startsWith("class=java.net.ConnectException\nmessage=Connection refused\nsuppressed=0\n"),
                off::describe);
        assertEquals(off.stdout(), none.stdout(), none::describe);

        List<String> s = suppressed.stdoutLines();
        assertEquals("class=java.net.ConnectException", s.get(0), suppressed::describe);
        assertEquals("message=Connection refused", s.get(1), suppressed::describe);
        assertEquals("suppressed=1", s.get(2), suppressed::describe);
        assertEquals("suppressed.class=java.lang.Throwable", s.get(3), suppressed::describe);
        assertTrue(s.get(4).startsWith("suppressed.message=[socket-doctor] ECONNREFUSED (errno 111, refused) on connect socket"),
                suppressed::describe);
        assertTrue(s.get(4).contains("Hint: "), suppressed::describe);
        assertEquals("suppressed.frames=0", s.get(5), suppressed::describe);
        assertEquals("cause=null", s.get(6), suppressed::describe);

        assertEquals(List.of("class=java.net.ConnectException",
                "message=Connection refused [socket-doctor: ECONNREFUSED (errno 111, refused)]",
                "suppressed=0", "cause=null"), message.stdoutLines(), message::describe);
        assertEquals("", message.stderr(), "log=off writes nothing\n" + message.describe());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void theLogIsRateLimitedButTheEventFileHasEveryEvent(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("burst-jdk" + jvm.feature()).resolve("events.jsonl");
        Jvm.Result burst = jvm.run(probe(Jvm.agent("log.rate=3,events=" + events), "burst", "40"));
        assertEquals("burst failures=40\n", burst.stdout(), burst::describe);
        List<String> lines = burst.stderrLines();
        // Each line starts with its ISO-8601 time (the event's; the summary's when it is written).
        List<String> reports = lines.stream().filter(l -> l.matches(TIME + " \\[socket-doctor] ECONNREFUSED .*"))
                .collect(Collectors.toList());
        List<String> summaries = lines.stream()
                .filter(l -> l.matches(TIME + " \\[socket-doctor] \\d+ more ECONNREFUSED like this in the last \\d+ s"))
                .collect(Collectors.toList());
        assertTrue(reports.size() >= 3 && reports.size() <= 9, "3 lines per second at most\n" + burst.describe());
        long held = summaries.stream().mapToLong(l -> Long.parseLong(l.split(" ")[2])).sum();
        assertEquals(40, reports.size() + held, "every failure is either reported or counted\n" + burst.describe());
        assertEquals(40, Events.read(events).atSite("burst").size(), burst::describe);
        assertEquals(40, Files.readAllLines(events).size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void logSystemGoesThroughSystemLogger(Jvm jvm) throws Exception {
        // The probe lingers: java.util.logging's own shutdown hook closes its handlers at exit, so a
        // line logged through System.Logger during exit can be lost (a JUL property, not ours).
        Jvm.Result logged = jvm.run(probe(Jvm.agent("log=system"), "burst", "1", "1500"));
        assertEquals("burst failures=1\n", logged.stdout(), logged::describe);
        // With no logging bridge installed, System.Logger falls back to java.util.logging's console handler.
        assertTrue(logged.stderr().contains("WARNING: [socket-doctor] ECONNREFUSED (errno 111, refused)"), logged::describe);
        assertTrue(logged.stderr().contains("io.socketdoctor"), logged::describe);
    }
}
