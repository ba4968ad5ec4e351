package io.socketdoctor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The CLI's command line, exit codes and option checks: everything decided before a JVM is contacted. */
class CliCommandLineTest {

    private record Run(ExitCode code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExitCode code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void exitCodesAreDistinctAndDocumentedInHelp() {
        Set<Integer> seen = new HashSet<>();
        for (ExitCode code : ExitCode.values()) {
            assertTrue(seen.add(code.code()), "duplicate exit code " + code.code());
        }
        assertEquals(0, ExitCode.OK.code());
        Run help = run("help");
        assertEquals(ExitCode.OK, help.code());
        for (ExitCode code : ExitCode.values()) {
            assertTrue(help.out().contains("  " + code.code() + "  " + code.meaning()), code + " missing in help");
        }
        assertTrue(help.out().contains("EnableDynamicAgentLoading"), "help explains JEP 451");
        assertTrue(help.out().contains("events"), "help lists the options");
    }

    @Test
    void usageErrorsExitWith2() {
        assertEquals(ExitCode.USAGE, run().code());
        Run unknown = run("frobnicate");
        assertEquals(ExitCode.USAGE, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.err());
        assertEquals(ExitCode.USAGE, run("status").code());
        assertEquals(ExitCode.USAGE, run("status", "abc").code());
        assertEquals(ExitCode.USAGE, run("status", "-5").code());
        assertEquals(ExitCode.USAGE, run("status", "12", "extra").code());
        assertEquals(ExitCode.USAGE, run("list", "extra").code());
        assertEquals(ExitCode.USAGE, run("attach", Long.toString(ProcessHandle.current().pid())).code(),
                "attaching to itself");
    }

    @Test
    void badOptionsAreRefusedBeforeAnyJvmIsContacted() {
        // pid 1 would be contacted if the options were not checked first
        Run unknown = run("attach", "1", "color=red");
        assertEquals(ExitCode.USAGE, unknown.code());
        assertTrue(unknown.err().contains("unknown option 'color'"), unknown.err());
        assertTrue(!unknown.err().contains("Socket Doctor is off"), "the -javaagent note does not fit the CLI");
        assertEquals(ExitCode.USAGE, run("attach", "1", "log.rate=0").code());
        assertEquals(ExitCode.USAGE, run("attach", "1", "enrich=loud").code());
        assertEquals(ExitCode.USAGE, run("attach", "1", "command=detach").code(), "command keys are not options");
        assertEquals(ExitCode.USAGE, run("attach", "1", "reply=/etc/passwd").code(), "reply is not an option");
        assertEquals(ExitCode.USAGE, run("attach", "1", "justaword").code());
    }

    @Test
    void optionsAreJoinedAndEventsPathsMadeAbsolute() throws Exception {
        String joined = Options.join(List.of("log.rate=10,enrich:off", "events=rel/e.jsonl"));
        assertTrue(joined.startsWith("log.rate=10,enrich:off,events=/"), joined);
        assertTrue(joined.endsWith("/rel/e.jsonl"), joined);
        assertEquals("", Options.join(List.of()));
    }

    @Test
    void differencesNameOnlyTheOptionsGivenThatDiffer() throws Exception {
        String inForce = "enrich=suppressed,log=stderr,log.rate=5,events=/tmp/e.jsonl";
        assertEquals(List.of(), Options.differences("", inForce));
        assertEquals(List.of(), Options.differences("log.rate=5,events=/tmp/e.jsonl", inForce));
        assertEquals(List.of(), Options.differences("log=stderr", inForce));
        assertEquals(List.of("log.rate=7 (in force: 5)"), Options.differences("log.rate=7", inForce));
        assertEquals(List.of("events=/tmp/other (in force: /tmp/e.jsonl)"),
                Options.differences("events=/tmp/other", inForce));
        assertEquals(List.of("events=/tmp/x (in force: not set)"),
                Options.differences("events=/tmp/x", "enrich=suppressed,log=stderr,log.rate=5"));
        assertThrows(CliException.class, () -> Options.differences("log.rate=0", inForce));
    }

    @Test
    void noSuchProcessIs3() {
        long pid = unusedPid();
        Run status = run("status", Long.toString(pid));
        assertEquals(ExitCode.NO_SUCH_PROCESS, status.code(), status.err());
        assertTrue(status.err().contains("no process with pid " + pid), status.err());
    }

    private static long unusedPid() {
        for (long pid = 4_000_000; pid > 3_000_000; pid--) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
        throw new AssertionError("no unused pid");
    }
}
