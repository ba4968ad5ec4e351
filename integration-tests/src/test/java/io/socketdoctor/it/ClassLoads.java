package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The classes a child JVM loaded while its first failure was handled, from {@code -Xlog:class+load}. */
final class ClassLoads {

    private ClassLoads() {
    }

    /**
     * Runs {@code probe first-error} (with {@code agent} when not null) and returns what loaded
     * between its marker classes {@code <probe>$BeforeFirstError} and {@code <probe>$AfterFirstError}.
     *
     * @param firstLine how the probe's stdout must begin: the failure it provoked
     */
    static Set<String> aroundFirstError(Jvm jvm, Path log, String agent, Class<?> probe, String firstLine)
            throws Exception {
        // The same verifier with and without the agent (-Xverify:all, which Jvm adds for agent runs,
        // loads classes of its own to check assignability).
        Stream<String> agentArg = agent == null ? Stream.of() : Stream.of("-Xverify:remote", agent);
        List<String> args = Stream.concat(agentArg, Stream.of("-Xlog:class+load=info:file=" + log,
                "-cp", Jvm.testClasspath(), probe.getName(), "first-error")).toList();
        Jvm.Result result = jvm.run(args);
        assertTrue(result.stdout().startsWith(firstLine), result::describe);
        String simple = probe.getSimpleName();
        Set<String> loaded = new LinkedHashSet<>();
        boolean inside = false;
        for (String line : Files.readAllLines(log)) {
            if (line.contains(simple + "$BeforeFirstError")) {
                inside = true;
            } else if (line.contains(simple + "$AfterFirstError")) {
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
}
