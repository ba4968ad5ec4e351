package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
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
        Stream<String> agentArg = agent == null ? Stream.of() : Stream.of(agent);
        List<String> args = Stream.concat(agentArg, Stream.of("-Xlog:class+load=info:file=" + log,
                "-cp", Jvm.testClasspath(), Probe.class.getName(), "first-error")).toList();
        Jvm.Result result = jvm.run(args);
        assertTrue(result.stdout().startsWith("first error: java.net.ConnectException: Connection refused"),
                result::describe);
        Set<String> loaded = new LinkedHashSet<>();
        boolean inside = false;
        for (String line : Files.readAllLines(log)) {
            if (line.contains("Probe$BeforeFirstError")) {
                inside = true;
            } else if (line.contains("Probe$AfterFirstError")) {
                return loaded;
            } else if (inside) {
                // "[0.123s][info][class,load] java.net.ConnectException source: jrt:/java.base"
                String[] words = line.substring(line.indexOf(']', line.indexOf("class,load")) + 1).trim().split(" ");
                // Hidden classes get a fresh suffix per run: compare by their stable prefix.
                loaded.add(words[0].replaceAll("/0x[0-9a-f]+$", ""));
            }
        }
        throw new AssertionError("markers not found in " + log + "\n" + result.describe());
    }

    private static double value(Jvm.Result result, String key) {
        return result.stdoutLines().stream().filter(l -> l.startsWith(key + "="))
                .map(l -> Double.parseDouble(l.substring(key.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(key + " missing\n" + result.describe()));
    }
}
