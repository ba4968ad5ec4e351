package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What connection churn costs the application's thread in memory: a connection opened, closed by
 * its peer (EOF read) and closed allocates at most {@value #MAX_EXTRA_BYTES} bytes more with the
 * agent than without, over Socket and SocketChannel. Allocation is counted, not timed.
 */
class ConnectionChurnIT {

    static final double MAX_EXTRA_BYTES = 128;
    private static final String ROUNDS = "10000";

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aConnectionAllocatesAtMost128BytesMore(Jvm jvm) throws Exception {
        List<String> program = List.of("-cp", Jvm.testClasspath(), Probe.class.getName(), "churn-alloc", ROUNDS);
        Jvm.Result without = jvm.run(program);
        Jvm.Result with = jvm.run(Stream.concat(Stream.of(Jvm.agent(null)), program.stream()).toList());
        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);
        for (String api : List.of("socket", "channel")) {
            double base = Allocations.value(without, api + ".bytesPerConnection");
            double agent = Allocations.value(with, api + ".bytesPerConnection");
            assertTrue(base > 100, api + ": the count is real (" + base + " B per connection without the agent)");
            assertTrue(agent - base <= MAX_EXTRA_BYTES, api + ": " + agent + " bytes per connection with the agent vs "
                    + base + " without (+" + (agent - base) + ")\n" + with.describe());
        }
    }
}
