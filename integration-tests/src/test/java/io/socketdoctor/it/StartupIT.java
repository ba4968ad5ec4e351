package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The default start: {@code -javaagent} instruments on a background thread while the host's main
 * already runs. A program that fails sockets from its first line keeps seeing exactly the JDK's
 * exceptions before, during and after the install, and once the hooks land its failures are
 * diagnosed, without one line on stderr. (How long the install takes is the benchmark's to say.)
 */
class StartupIT {

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void failuresDuringTheBackgroundInstallAreUntouchedAndLaterOnesDiagnosed(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("startup-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        List<String> program = List.of("-cp", Jvm.testClasspath(), Probe.class.getName(), "refused-until-diagnosed");
        Jvm.Result without = jvm.run(Stream.concat(program.stream(), Stream.of("20", "100")).toList());
        Jvm.Result with = jvm.run(Stream.of(List.of(Jvm.agentAsDefault("log=off,events=" + events)), program,
                List.of("20", "6000")).flatMap(List::stream).toList());

        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);
        // Without the agent the loop ran to its bound: every attempt refused, none diagnosed.
        assertEquals("java.net.ConnectException: Connection refused\ndiagnosed=false\ninstalling-when-main-began=false\n",
                without.stdout(), without::describe);
        // main ran while the install was still going on (that is the point), and later failures were diagnosed.
        assertEquals("java.net.ConnectException: Connection refused\ndiagnosed=true\ninstalling-when-main-began=true\n",
                with.stdout(), with::describe);
        assertEquals("", with.stderr(), with::describe);

        List<Map<String, Object>> refused = Events.read(events).where(e -> "refused".equals(e.get("cause")));
        assertTrue(refused.size() >= 20, "20 attempts after the first diagnosis, all reported: " + refused.size());
        assertTrue(refused.stream().allMatch(e -> "ECONNREFUSED".equals(e.get("errno"))), refused::toString);
        assertTrue(refused.stream().anyMatch(e -> "socket".equals(e.get("api")))
                && refused.stream().anyMatch(e -> "channel".equals(e.get("api"))), refused::toString);
    }
}
