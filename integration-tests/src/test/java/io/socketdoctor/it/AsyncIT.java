package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.AsyncProbe;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * AsynchronousSocketChannel and AsynchronousServerSocketChannel on JDK 17 and 25: failures the JDK
 * delivers to a CompletionHandler or a Future (often from a group or timer thread) and the few it
 * throws, each reported exactly once with api {@code async}/{@code async_server}; the application
 * sees the same exceptions with and without the agent; open, close and the peer's EOF reach the
 * connection counters, and the errors reach {@code /metrics} with {@code api="async"}.
 */
class AsyncIT {

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void asyncFailuresAreDiagnosedOnceAndTheApplicationSeesTheSameExceptions(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("async-jdk" + jvm.feature()).resolve("events.jsonl");
        int port = freePort();
        String probe = AsyncProbe.class.getName();
        Jvm.Result without = jvm.run(List.of("-cp", Jvm.testClasspath(), probe));
        Jvm.Result with = jvm.run(List.of("-Xverify:all",
                Jvm.agent("events=" + events + ",prometheus=127.0.0.1:" + port),
                "-cp", Jvm.testClasspath(), probe, Integer.toString(port)));
        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);

        List<String> seen = lines(without, "[async] ");
        assertEquals(List.of(
                "[async] reset-on-read-handler: caught java.io.IOException: Connection reset",
                "[async] refused-connect-future: caught java.net.ConnectException: Connection refused",
                "[async] read-timeout-handler: caught java.nio.channels.InterruptedByTimeoutException: null",
                "[async] read-after-timeout: caught java.lang.IllegalStateException: "
                        + "Reading not allowed due to timeout or cancellation",
                "[async] close-while-reading: caught java.nio.channels.AsynchronousCloseException: null",
                "[async] accept-on-closed-server: caught java.nio.channels.ClosedChannelException: null",
                "[async] close-while-accepting: caught java.nio.channels.AsynchronousCloseException: null",
                "[async] write-after-reset-future: caught java.io.IOException: Connection reset by peer",
                "[async] eof-reads: 2 -1"), seen, without::describe);
        assertEquals(seen, lines(with, "[async] "), "the application must see the same exceptions\n" + with.describe());
        assertFalse(with.stderr().contains("not instrumented"), with::describe);
        assertFalse(with.stderr().contains("internal error"), with::describe);

        Events all = Events.read(events);
        String context = all.all() + "\n" + with.describe();
        // Exactly one event per failure: none twice (e.g. on the group thread and again on the caller's).
        assertEquals(8, all.where(e -> String.valueOf(e.get("api")).startsWith("async")).size(), context);

        Map<String, Object> reset = one(all, "java.io.IOException", "read", context);
        assertEquals("peer_reset_read", reset.get("cause"), context);
        assertEquals("ECONNRESET", reset.get("errno"), context);
        assertEquals(104L, reset.get("errno_code"), context);
        assertEquals("Connection reset", reset.get("message"), context);
        assertEquals("async", reset.get("api"), context);
        assertTrue(String.valueOf(reset.get("remote")).startsWith("127.0.0.1:"), context);
        assertTrue(String.valueOf(reset.get("history")).startsWith("connected "), "the connection was tracked: " + context);

        Map<String, Object> refused = one(all, "java.net.ConnectException", "connect", context);
        assertEquals("refused", refused.get("cause"), context);
        assertEquals("ECONNREFUSED", refused.get("errno"), context);
        assertEquals("async", refused.get("api"), context);
        assertTrue(String.valueOf(refused.get("remote")).startsWith("127.0.0.1:"), "remote from pendingRemote: " + context);

        Map<String, Object> timeout = one(all, "java.nio.channels.InterruptedByTimeoutException", "read", context);
        assertEquals("read_timeout_async", timeout.get("cause"), context);
        assertEquals(null, timeout.get("errno"), context);
        assertEquals(null, timeout.get("message"), context);
        assertEquals("async", timeout.get("api"), context);

        Map<String, Object> afterTimeout = one(all, "java.lang.IllegalStateException", "read", context);
        assertEquals("async_io_after_timeout", afterTimeout.get("cause"), context);
        assertTrue(String.valueOf(afterTimeout.get("site")).contains("AsyncProbe.readAfterTimeout("), context);

        Map<String, Object> closed = one(all, "java.nio.channels.AsynchronousCloseException", "read", context);
        assertEquals("async_close", closed.get("cause"), context);
        assertEquals("async", closed.get("api"), context);
        assertEquals("async-closer", closed.get("thread"), "reported on the closing thread: " + context);
        assertTrue(String.valueOf(closed.get("site")).contains("closeWhileReading"), context);

        Map<String, Object> acceptClosed = one(all, "java.nio.channels.ClosedChannelException", "accept", context);
        assertEquals("channel_closed", acceptClosed.get("cause"), context);
        assertEquals("async_server", acceptClosed.get("api"), context);
        assertTrue(String.valueOf(acceptClosed.get("site")).contains("AsyncProbe.acceptOnClosedServer("), context);

        Map<String, Object> pendingAccept = one(all, "java.nio.channels.AsynchronousCloseException", "accept", context);
        assertEquals("async_close_accept", pendingAccept.get("cause"), context);
        assertEquals("async_server", pendingAccept.get("api"), context);
        assertTrue(String.valueOf(pendingAccept.get("site")).contains("closeWhileAccepting"),
                "the JDK empties this exception's stack trace; the site is the closing call: " + context);

        Map<String, Object> write = one(all, "java.io.IOException", "write", context);
        assertEquals("peer_reset_write", write.get("cause"), context);
        assertEquals("ECONNRESET", write.get("errno"), context);

        // Connection lifecycle: connects and the accept open, closes close, the -1 read is the peer's EOF.
        List<String> metrics = lines(with, "[metrics] ");
        assertTrue(metrics.contains("[metrics] socket_doctor_connections_opened_total{api=\"async\",direction=\"client\"} 5.0"),
                String.join("\n", metrics) + "\n" + with.describe());
        assertTrue(metrics.contains("[metrics] socket_doctor_connections_opened_total{api=\"async\",direction=\"server\"} 1.0"),
                String.join("\n", metrics));
        assertTrue(metrics.contains("[metrics] socket_doctor_connections_closed_total{api=\"async\"} 6.0"), String.join("\n", metrics));
        assertTrue(metrics.contains("[metrics] socket_doctor_peer_eofs_total{api=\"async\"} 1.0"), String.join("\n", metrics));
        assertTrue(metrics.contains("[metrics] socket_doctor_errors_total{api=\"async\",cause=\"peer_reset_read\","
                + "errno=\"ECONNRESET\",op=\"read\"} 1.0"), String.join("\n", metrics));
        assertTrue(metrics.contains("[metrics] socket_doctor_errors_total{api=\"async_server\",cause=\"channel_closed\","
                + "errno=\"none\",op=\"accept\"} 1.0"), String.join("\n", metrics));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void successfulAsyncReadsAndWritesAllocateNothingMore(Jvm jvm) throws Exception {
        List<String> program = List.of("-cp", Jvm.testClasspath(), AsyncProbe.class.getName(), "alloc", "20000");
        Jvm.Result without = jvm.run(program);
        Jvm.Result with = jvm.run(Stream.concat(Stream.of(Jvm.agent(null)), program.stream()).toList());
        for (String op : List.of("Read", "Write")) {
            double base = value(without, "async.bytesPer" + op);
            double agent = value(with, "async.bytesPer" + op);
            assertTrue(base >= 16, "the JDK's own completed Future is counted, so the measurement works: " + base);
            // ThreadMXBean counts whole TLAB refills: allow well under one object per 30 operations.
            assertTrue(agent <= base + 0.5, op + ": " + agent + " bytes per operation with the agent vs " + base
                    + " without\n" + with.describe());
        }
    }

    private static double value(Jvm.Result result, String key) {
        assertEquals(0, result.exitCode(), result::describe);
        return result.stdoutLines().stream().filter(l -> l.startsWith(key + "="))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf('=') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError(key + " missing\n" + result.describe()));
    }

    private static Map<String, Object> one(Events all, String exception, String op, String context) {
        List<Map<String, Object>> found = all.where(e -> exception.equals(e.get("exception")) && op.equals(e.get("op"))
                && String.valueOf(e.get("api")).startsWith("async"));
        assertEquals(1, found.size(), "exactly one " + exception + " on " + op + ": " + context);
        return found.get(0);
    }

    private static List<String> lines(Jvm.Result result, String prefix) {
        return result.stdoutLines().stream().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            return s.getLocalPort();
        }
    }
}
