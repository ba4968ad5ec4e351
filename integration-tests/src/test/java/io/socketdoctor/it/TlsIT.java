package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.TlsProbe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TLS over real loopback sockets ({@link TlsProbe}), on JDK 17 and 25: an SSLSocket reads and
 * writes through the Socket streams the agent instruments, so a reset under it is diagnosed once,
 * at the socket level, with the TLS phase ({@code tls}: handshake or established); the TLS layer's
 * own alert write after the failure is not reported again; the peer's plain close during the
 * handshake (an EOF for the socket, an SSLHandshakeException for the application) is one event.
 * The server's self-signed certificate is made here with the JDK's own keytool, never committed.
 */
class TlsIT {

    private static final String PASSWORD = "socket-doctor-test";
    private static final List<String> SCENARIOS = List.of("healthy", "reset-during-handshake",
            "reset-during-handshake-layered", "reset-during-established-read", "write-after-peer-reset",
            "close-during-handshake");

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void tlsFailuresAreDiagnosedOnceWithTheirPhase(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("tls-jdk" + jvm.feature());
        Path keyStore = selfSignedKeyStore(jvm, dir);
        Path events = dir.resolve("events.jsonl");
        List<String> args = new ArrayList<>(List.of("-cp", Jvm.testClasspath(), TlsProbe.class.getName(),
                keyStore.toString(), PASSWORD));
        args.addAll(SCENARIOS);

        Jvm.Result without = jvm.run(args);
        List<String> withAgent = new ArrayList<>(List.of("-Xverify:all", Jvm.agent("events=" + events)));
        withAgent.addAll(args);
        Jvm.Result with = jvm.run(withAgent);

        // What the application caught, without the agent: the JDK's TLS layer rethrows the socket's exception.
        assertEquals(0, without.exitCode(), without::describe);
        List<String> caught = without.stdoutLines();
        assertEquals(List.of(
                "healthy: no exception",
                "reset-during-handshake: caught java.net.SocketException: Connection reset",
                "reset-during-handshake-layered: caught java.net.SocketException: Connection reset",
                "reset-during-established-read: caught java.net.SocketException: Connection reset",
                caught.get(4).endsWith("Broken pipe")
                        ? "write-after-peer-reset: caught java.net.SocketException: Broken pipe"
                        : "write-after-peer-reset: caught java.net.SocketException: Connection reset by peer",
                "close-during-handshake: caught javax.net.ssl.SSLHandshakeException: Remote host terminated the handshake"
                        + " | cause java.io.EOFException: SSL peer shut down incorrectly"), caught, without::describe);
        // ... and the same with the agent: type, message and cause.
        assertEquals(0, with.exitCode(), with::describe);
        assertEquals(caught, with.stdoutLines(), "the application must see the same exceptions\n" + with.describe());
        assertFalse(with.stderr().contains("not instrumented"), with::describe);
        assertFalse(with.stderr().contains("internal error"), with::describe);

        Events all = Events.read(events);
        String context = jvm + ": " + all.all() + "\n" + with.describe();
        // One event per failure, nothing for the TLS layer's own alert and close_notify writes after
        // it (they fail too, or warn as writes after the peer left), nothing for the healthy exchange.
        assertEquals(5, all.all().size(), "exactly five events: " + context);
        assertTrue(all.atSite("healthy").isEmpty(), context);

        Map<String, Object> handshake = one(all, "resetDuringHandshake", context);
        assertEvent(handshake, "ECONNRESET", 104L, "peer_reset_read_tls_handshake", "read", "handshake", context);
        assertEquals("Connection reset", handshake.get("message"), context);
        assertTrue(((String) handshake.get("diagnosis")).contains("during the TLS handshake"), context);
        assertTrue(((String) handshake.get("history")).startsWith("connected "), "tracked like any socket: " + context);

        Map<String, Object> layered = one(all, "resetDuringHandshakeLayered", context);
        assertEvent(layered, "ECONNRESET", 104L, "peer_reset_read_tls_handshake", "read", "handshake", context);

        Map<String, Object> established = one(all, "resetDuringEstablishedRead", context);
        assertEvent(established, "ECONNRESET", 104L, "peer_reset_read", "read", "established", context);

        Map<String, Object> write = one(all, "writeAfterPeerReset", context);
        if (caught.get(4).endsWith("Broken pipe")) {
            assertEvent(write, "EPIPE", 32L, "broken_pipe", "write", "established", context);
        } else {
            assertEvent(write, "ECONNRESET", 104L, "peer_reset_write", "write", "established", context);
        }

        Map<String, Object> closed = one(all, "closeDuringHandshake", context);
        assertEvent(closed, null, null, "tls_handshake_peer_closed", "read", "handshake", context);
        assertEquals("javax.net.ssl.SSLHandshakeException", closed.get("exception"), context);
        assertEquals("Remote host terminated the handshake", closed.get("message"), context);
        assertTrue(((String) closed.get("remote")).startsWith("127.0.0.1:"), context);

        // The log lines say it too, and the application's exception carries the diagnosis (same object).
        assertTrue(with.stderr().contains(" on read socket (TLS handshake) "), context);
        assertTrue(with.stderr().contains(" on read socket (TLS established) "), context);
        assertTrue(with.stderr().contains("close-during-handshake suppressed: [socket-doctor] tls_handshake_peer_closed"
                + " (no errno) on read socket (TLS handshake)"), context);
        assertTrue(with.stderr().contains("reset-during-handshake suppressed: [socket-doctor] ECONNRESET (errno 104,"
                + " peer_reset_read_tls_handshake) on read socket (TLS handshake)"), context);
        assertFalse(without.stderr().contains("suppressed:"), without::describe);
    }

    private static Map<String, Object> one(Events all, String method, String context) {
        List<Map<String, Object>> at = all.atSite(method);
        assertEquals(1, at.size(), "exactly one event at " + method + ": " + context);
        return at.get(0);
    }

    private static void assertEvent(Map<String, Object> e, String errno, Long errnoCode, String cause, String op,
                                    String tls, String context) {
        String where = e.get("site") + " on " + context;
        assertEquals("socket_error", e.get("event"), where);
        assertEquals(errno, e.get("errno"), where);
        assertEquals(errnoCode, e.get("errno_code"), where);
        assertEquals(cause, e.get("cause"), where);
        assertEquals("exact", e.get("confidence"), where);
        assertEquals(op, e.get("op"), where);
        assertEquals("socket", e.get("api"), where);
        assertEquals(tls, e.get("tls"), where);
        assertEquals("main", e.get("thread"), where);
    }

    /** A PKCS12 key store with a fresh self-signed EC key for 127.0.0.1, made by this JDK's keytool. */
    private static Path selfSignedKeyStore(Jvm jvm, Path dir) throws Exception {
        Path keyStore = dir.resolve("server.p12");
        Process p = new ProcessBuilder(jvm.home().resolve("bin/keytool").toString(), "-genkeypair",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool timed out");
        assertEquals(0, p.exitValue(), "keytool: " + output);
        return keyStore;
    }
}
