package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        Allocations.assertNoMore(jvm, Probe.class, List.of("socket", "channel"));
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
}
