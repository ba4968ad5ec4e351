package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.socketdoctor.it.probe.Probe;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Programs whose sockets never fail behave byte for byte the same with and without the agent. */
class NoBehaviourChangeIT {

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aProgramWithoutSocketsIsUntouched(Jvm jvm) throws Exception {
        assertSameWithAndWithout(jvm, "quiet", 3, "quiet sum=2999997\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aProgramWhoseSocketsNeverFailIsUntouched(Jvm jvm) throws Exception {
        assertSameWithAndWithout(jvm, "healthy", 0, null);
    }

    private static void assertSameWithAndWithout(Jvm jvm, String program, int exitCode, String stdout)
            throws Exception {
        List<String> args = List.of("-cp", Jvm.testClasspath(), Probe.class.getName(), program);
        Jvm.Result without = jvm.run(args);
        assertEquals(exitCode, without.exitCode(), without::describe);
        if (stdout != null) {
            assertEquals(stdout, without.stdout(), without::describe);
        }
        // Both install modes: the default, before main, and the background install, which races the
        // program (these exit at once, often while the install is still at work).
        for (String agent : List.of(Jvm.agent(null), Jvm.agent("install=background"))) {
            Jvm.Result with = jvm.run(Stream.concat(Stream.of("-Xverify:all", agent), args.stream()).toList());
            assertEquals(without.exitCode(), with.exitCode(), with::describe);
            assertEquals(without.stdout(), with.stdout(), with::describe);
            assertEquals(without.stderr(), with.stderr(), with::describe);
        }
    }
}
