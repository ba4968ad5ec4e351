package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;

/** Bytes allocated per successful round trip, with and without the agent, as a probe's {@code alloc} mode prints them. */
final class Allocations {

    private Allocations() {
    }

    /**
     * Runs {@code probe alloc 20000} with and without the agent and checks, for each of {@code apis},
     * that the agent adds well under one object per 100 round trips ({@code <api>.bytesPerRoundTrip}).
     */
    static void assertNoMore(Jvm jvm, Class<?> probe, List<String> apis) throws Exception {
        List<String> program = List.of("-cp", Jvm.testClasspath(), probe.getName(), "alloc", "20000");
        Jvm.Result without = jvm.run(program);
        Jvm.Result with = jvm.run(Stream.concat(Stream.of(Jvm.agent(null)), program.stream()).toList());
        for (String api : apis) {
            double base = value(without, api + ".bytesPerRoundTrip");
            double agent = value(with, api + ".bytesPerRoundTrip");
            // ThreadMXBean counts whole TLAB refills, so allow well under one object per 100 round trips.
            assertTrue(agent <= base + 0.5, api + ": " + agent + " bytes per round trip with the agent vs " + base
                    + " without\n" + with.describe());
        }
    }

    static double value(Jvm.Result result, String key) {
        return result.stdoutLines().stream().filter(l -> l.startsWith(key + "="))
                .map(l -> Double.parseDouble(l.substring(key.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(key + " missing\n" + result.describe()));
    }
}
