package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Start-up. With default options every hook is in place before {@code main}: a program whose very
 * first act is a refused connect, and which exits right after, gets its diagnosis on stderr and its
 * event in the file. With {@code install=background} main races the install: failures before it
 * lands keep exactly the JDK's exceptions, later ones are diagnosed, and nothing is printed.
 * (How long either takes is the benchmark's to say.)
 */
class StartupIT {

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void withDefaultOptionsTheFirstStatementsFailureIsDiagnosedBeforeTheJvmExits(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("startup-default-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        Files.deleteIfExists(events);
        // The default verifier, so the JDK's CDS archive is in use as in production (on JDK 25 some
        // hooked classes are then loaded before premain, and retransformed).
        List<String> program = List.of("-Xverify:remote", "-cp", Jvm.testClasspath(), Probe.class.getName(),
                "refused-until-diagnosed", "0", "1");
        Jvm.Result with = jvm.run(Stream.concat(Stream.of(Jvm.agent("events=" + events)), program.stream()).toList());

        assertEquals(0, with.exitCode(), with::describe);
        assertTrue(with.stdout().startsWith("java.net.ConnectException: Connection refused\ndiagnosed=true\n"),
                with::describe);
        assertTrue(with.stderr().contains("[socket-doctor] ECONNREFUSED (errno 111, refused) on connect"), with::describe);
        List<Map<String, Object>> refused = Events.read(events).where(e -> "refused".equals(e.get("cause")));
        assertEquals(1, refused.size(), refused::toString);
        assertEquals("ECONNREFUSED", refused.get(0).get("errno"), refused::toString);
    }

    /**
     * The install engine costs what a few classes cost: at most 200 of the agent's classes (its own,
     * the ASM it ships, the bridge it defines in java.base) are loaded before the application's main
     * class, read from the JVM's own class-load log. (Byte Buddy's AgentBuilder and Advice needed
     * about 1 190.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void atMost200AgentClassesAreLoadedBeforeMain(Jvm jvm) throws Exception {
        Path log = Jvm.workDir("startup-classes-jdk" + jvm.feature()).resolve("class-load.log");
        Jvm.Result result = jvm.run(List.of("-Xverify:remote", "-Xlog:class+load=info:file=" + log, Jvm.agent(null),
                "-cp", Jvm.testClasspath(), Probe.class.getName(), "quiet"));
        assertEquals(3, result.exitCode(), result::describe);
        List<String> beforeMain = new ArrayList<>();
        boolean mainSeen = false;
        for (String line : Files.readAllLines(log)) {
            if (line.contains(" " + Probe.class.getName() + " source:")) {
                mainSeen = true;
                break;
            }
            if (line.contains("socket-doctor-agent.jar") || line.contains(" io.socketdoctor.")
                    || line.contains(" sun.nio.ch.SocketDoctorBridge")) {
                beforeMain.add(line);
            }
        }
        assertTrue(mainSeen, "the main class is not in " + log);
        assertTrue(beforeMain.size() >= 20, "the count must see the agent's classes at all: " + beforeMain);
        assertTrue(beforeMain.size() <= 200, beforeMain.size() + " agent classes before main: " + beforeMain);
        assertTrue(beforeMain.stream().noneMatch(line -> line.contains("net.bytebuddy.agent.builder")
                || line.contains("net.bytebuddy.asm.Advice")), "Byte Buddy's AgentBuilder or Advice loaded");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void failuresDuringTheBackgroundInstallAreUntouchedAndLaterOnesDiagnosed(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("startup-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        List<String> program = List.of("-cp", Jvm.testClasspath(), Probe.class.getName(), "refused-until-diagnosed");
        Jvm.Result without = jvm.run(Stream.concat(program.stream(), Stream.of("20", "100")).toList());
        Jvm.Result with = jvm.run(Stream.of(List.of(Jvm.agent("install=background,log=off,events=" + events)),
                program, List.of("20", "6000")).flatMap(List::stream).toList());

        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);
        // Without the agent the loop ran to its bound: every attempt refused, none diagnosed.
        assertEquals("java.net.ConnectException: Connection refused\ndiagnosed=false\ninstalling-when-main-began=false\n",
                without.stdout(), without::describe);
        // The same exceptions, and once the install landed, diagnosed ones (main may or may not
        // have begun before the install ended: it takes tens of milliseconds now).
        assertTrue(with.stdout().startsWith("java.net.ConnectException: Connection refused\ndiagnosed=true\n"),
                with::describe);
        assertEquals("", with.stderr(), with::describe);

        List<Map<String, Object>> refused = Events.read(events).where(e -> "refused".equals(e.get("cause")));
        assertTrue(refused.size() >= 20, "20 attempts after the first diagnosis, all reported: " + refused.size());
        assertTrue(refused.stream().allMatch(e -> "ECONNREFUSED".equals(e.get("errno"))), refused::toString);
        assertTrue(refused.stream().anyMatch(e -> "socket".equals(e.get("api")))
                && refused.stream().anyMatch(e -> "channel".equals(e.get("api"))), refused::toString);
    }
}
