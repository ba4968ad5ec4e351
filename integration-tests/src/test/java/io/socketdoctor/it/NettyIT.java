package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.socketdoctor.it.probe.NettyProbe;
import io.socketdoctor.it.probe.Probe;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Netty's native transports (issue 8, item 3), which bypass the JDK's socket classes: a Netty
 * client on epoll (Netty 4.1.137 and 4.2.18) and on io_uring (4.2.18) fails four ways on 127.0.0.1
 * against a plain java.net peer ({@link NettyProbe}). Each failure is one event with api=netty,
 * the errno Netty got from the kernel (not parsed from the message), the operation from the native
 * call's name and the rule the classifier picks for that errno; the application's exceptions
 * (type, message, cause) are the same with and without the agent. A host without Netty loads no
 * Netty class and reports no problem.
 */
class NettyIT {

    /** scenario, op, errno, errno_code, cause, the exception class the application catches (first, or its cause). */
    private static final List<List<String>> EXPECTED = List.of(
            List.of("refused", "connect", "ECONNREFUSED", "111", "refused", "java.net.ConnectException"),
            List.of("reset-during-read", "read", "ECONNRESET", "104", "peer_reset_read",
                    "io.netty.channel.unix.Errors$NativeIoException"),
            List.of("write-after-reset", "write", "ECONNRESET", "104", "peer_reset_write",
                    "io.netty.channel.unix.Errors$NativeIoException"),
            List.of("broken-pipe", "write", "EPIPE", "32", "broken_pipe",
                    "io.netty.channel.unix.Errors$NativeIoException"));

    static Stream<Arguments> epoll() {
        List<Arguments> cases = new ArrayList<>();
        for (Jvm jvm : Jvm.all()) {
            cases.add(Arguments.of(jvm, "4.1"));
            cases.add(Arguments.of(jvm, "4.2"));
        }
        return cases.stream();
    }

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}, Netty {1}, epoll")
    @MethodSource("epoll")
    void epollFailuresAreEventsWithNettysOwnErrno(Jvm jvm, String netty) throws Exception {
        runScenarios(jvm, netty, "epoll");
    }

    @ParameterizedTest(name = "{0}, Netty 4.2, io_uring")
    @MethodSource("jdks")
    void ioUringFailuresAreEventsWithNettysOwnErrno(Jvm jvm) throws Exception {
        runScenarios(jvm, "4.2", "io_uring");
    }

    private static void runScenarios(Jvm jvm, String netty, String transport) throws Exception {
        Path dir = Jvm.workDir("netty-" + transport + "-" + netty + "-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        List<String> program = List.of("-cp", nettyClasspath(netty), NettyProbe.class.getName(), transport);
        Jvm.Result without = jvm.run(program);
        Assumptions.assumeFalse(without.exitCode() == 4 && transport.equals("io_uring"),
                () -> "io_uring is not available here: " + without.stdout());
        List<String> withAgent = new ArrayList<>(List.of(Jvm.agent("events=" + events)));
        withAgent.addAll(program);
        Jvm.Result with = jvm.run(withAgent);

        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);
        assertTrue(without.stdout().startsWith("netty " + netty + "."), without::describe);
        // The application's view: the same exceptions, type, message and cause, with and without the agent.
        assertEquals(caught(without), caught(with), "the exceptions the application caught\n" + with.describe());
        assertEquals(EXPECTED.size(), caught(with).size(), with::describe);
        for (List<String> x : EXPECTED) {
            String line = caughtLine(with, x.get(0));
            assertTrue(line.contains(x.get(5) + ": ") && line.contains("(..) failed with error(-" + x.get(3) + ")"),
                    () -> x.get(0) + ": " + line);
            assertTrue(without.stdout().contains(x.get(0) + ": diagnosed=false\n"), without::describe);
            assertTrue(with.stdout().contains(x.get(0) + ": diagnosed=true\n"),
                    () -> "the diagnosis rides along as a suppressed note\n" + with.describe());
        }
        assertFalse(with.stderr().contains("will not be diagnosed") || with.stderr().contains("internal error")
                || with.stderr().contains("not instrumented"), with::describe);

        List<Map<String, Object>> seen = Events.read(events).where(e -> "netty".equals(e.get("api")));
        assertEquals(EXPECTED.size(), seen.size(), () -> "one event per failure: " + seen + "\n" + with.describe());
        for (int i = 0; i < EXPECTED.size(); i++) {
            List<String> x = EXPECTED.get(i);
            Map<String, Object> e = seen.get(i);
            String context = x.get(0) + ": " + e;
            assertEquals("socket_error", e.get("event"), context);
            assertEquals(x.get(1), e.get("op"), context);
            assertEquals(x.get(2), e.get("errno"), context);
            assertEquals(Long.parseLong(x.get(3)), ((Number) e.get("errno_code")).longValue(), context);
            assertEquals(x.get(4), e.get("cause"), context);
            assertEquals("exact", e.get("confidence"), context);
            assertEquals(x.get(5), e.get("exception"), context);
            // The message is Netty's, unchanged: the errno in it agrees with the one taken from the call.
            assertTrue(String.valueOf(e.get("message")).contains("failed with error(-" + x.get(3) + ")"), context);
            assertTrue(caughtLine(with, x.get(0)).contains(String.valueOf(e.get("message"))), context);
        }
    }

    /**
     * A host without Netty: the agent starts, reports no problem, diagnoses a JDK failure as usual,
     * and no class of Netty is loaded (matching is by name, as classes load).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aHostWithoutNettyLoadsNoNettyClassAndSeesNoProblem(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("netty-absent-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        Path classes = dir.resolve("classes.log");
        Jvm.Result with = jvm.run(List.of(Jvm.agent("events=" + events), "-Xlog:class+load=info:file=" + classes,
                "-cp", Jvm.testClasspath(), Probe.class.getName(), "first-error"));

        assertEquals(0, with.exitCode(), with::describe);
        assertTrue(with.stdout().contains("first error: java.net.ConnectException: Connection refused"), with::describe);
        assertFalse(with.stderr().contains("will not be diagnosed") || with.stderr().contains("not instrumented")
                || with.stderr().contains("internal error") || with.stderr().contains("could not start"), with::describe);
        List<String> loaded = Files.readAllLines(classes);
        assertTrue(loaded.stream().anyMatch(l -> l.contains("io.socketdoctor.bootstrap.LibraryBridge")),
                "the agent's own hand-off class is loaded (the log is real)");
        List<String> netty = loaded.stream().filter(l -> l.contains("io.netty")).collect(Collectors.toList());
        assertTrue(netty.isEmpty(), () -> "Netty classes loaded: " + netty);
        List<Map<String, Object>> seen = Events.read(events).all();
        assertEquals(1, seen.size(), () -> "events: " + seen);
        assertEquals("ECONNREFUSED", seen.get(0).get("errno"));
        assertEquals("socket", seen.get(0).get("api"));
    }

    /** The probe's compiled classes and one Netty version's jars (copied by the pom into target/netty-4.x). */
    private static String nettyClasspath(String netty) throws Exception {
        String property = netty.equals("4.1") ? "it.netty41" : "it.netty42";
        Path jars = Paths.get(System.getProperty(property, "missing-" + property));
        if (!Files.isDirectory(jars)) {
            fail(property + " not found at " + jars + ": run the tests through Maven (it copies the Netty jars)");
        }
        List<String> entries = new ArrayList<>(List.of(Jvm.testClasspath()));
        try (Stream<Path> list = Files.list(jars)) {
            list.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> entries.add(p.toString()));
        }
        assertTrue(entries.size() >= 7, () -> "Netty jars missing in " + jars);
        return String.join(File.pathSeparator, entries);
    }

    /** The "caught" lines: what the application saw, one per scenario. */
    private static List<String> caught(Jvm.Result result) {
        return result.stdoutLines().stream().filter(l -> l.contains(": caught ")).collect(Collectors.toList());
    }

    private static String caughtLine(Jvm.Result result, String scenario) {
        return caught(result).stream().filter(l -> l.startsWith(scenario + ": caught ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + scenario + "\n" + result.describe()));
    }
}
