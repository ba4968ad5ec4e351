package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The promises about the application's own threads: a successful read or write allocates nothing
 * more with the agent, and the first failure loads no class that the JDK would not load anyway.
 */
class HotPathIT {

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void successfulReadsAndWritesAllocateNothingMore(Jvm jvm) throws Exception {
        List<String> program = List.of("-cp", Jvm.testClasspath(), Probe.class.getName(), "alloc", "20000");
        Jvm.Result without = jvm.run(program);
        Jvm.Result with = jvm.run(Stream.concat(Stream.of(Jvm.agent(null)), program.stream()).toList());
        for (String api : List.of("socket", "channel")) {
            double base = value(without, api + ".bytesPerRoundTrip");
            double agent = value(with, api + ".bytesPerRoundTrip");
            // ThreadMXBean counts whole TLAB refills, so allow well under one object per 100 round trips.
            assertTrue(agent <= base + 0.5, api + ": " + agent + " bytes per round trip with the agent vs " + base
                    + " without\n" + with.describe());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void theFirstFailureLoadsNoExtraClass(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("first-error-jdk" + jvm.feature());
        Set<String> without = loadedAroundFirstError(jvm, dir.resolve("without.log"), null);
        Set<String> with = loadedAroundFirstError(jvm, dir.resolve("with.log"), Jvm.agent(null));
        with.removeAll(without);
        assertEquals(Set.of(), with, "classes the agent loaded while the application's first failure was handled");
    }

    private static Set<String> loadedAroundFirstError(Jvm jvm, Path log, String agent) throws Exception {
        return ClassLoads.aroundFirstError(jvm, log, agent, Probe.class,
                "first error: java.net.ConnectException: Connection refused");
    }

    private static double value(Jvm.Result result, String key) {
        return result.stdoutLines().stream().filter(l -> l.startsWith(key + "="))
                .map(l -> Double.parseDouble(l.substring(key.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(key + " missing\n" + result.describe()));
    }
}
