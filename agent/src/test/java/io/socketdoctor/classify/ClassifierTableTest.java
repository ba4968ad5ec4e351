package io.socketdoctor.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.AcceptPendingException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ReadPendingException;
import java.nio.channels.WritePendingException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rule table of {@code socket-errors.txt}, row by row: (operation, exception, message, facts)
 * → cause, errno, confidence. Every rule id must be hit by at least one case
 * ({@link #everyRuleIdIsCoveredByACase()}), so a new rule without a case fails the build.
 */
class ClassifierTableTest {

    private static final ErrorTable TABLE = ErrorTable.load();
    private static final Classifier CLASSIFIER = new Classifier(TABLE);

    private static final Facts NONE = Facts.NONE;
    /** This side had called shutdownOutput. */
    private static final Facts OUT_SHUT = new Facts("10.0.0.1:40000", "10.0.0.2:80", true, false);
    /** This side had closed the socket or channel. */
    private static final Facts CLOSED = new Facts(null, "10.0.0.2:80", false, true);
    /** History facts: eofSeen, resetSeen, idle, freshAccept. */
    private static final Facts AFTER_EOF = new Facts("10.0.0.1:40000", "10.0.0.2:80", false, false, true, false, false, false);
    private static final Facts AFTER_RESET = new Facts("10.0.0.1:40000", "10.0.0.2:80", false, false, false, true, false, false);
    private static final Facts IDLE = new Facts("10.0.0.1:40000", "10.0.0.2:80", false, false, false, false, true, false);
    private static final Facts FRESH_ACCEPT = new Facts("10.0.0.2:80", "10.0.0.1:40000", false, false, false, false, false, true);
    /** The I/O was an SSLSocket's: during its TLS handshake, or with the session established. */
    private static final Facts TLS_HANDSHAKE = new Facts("10.0.0.1:40000", "10.0.0.2:443", false, false, false, false, false, false, Facts.TLS_HANDSHAKE);
    private static final Facts TLS_ESTABLISHED = new Facts("10.0.0.1:40000", "10.0.0.2:443", false, false, false, false, false, false, Facts.TLS_ESTABLISHED);
    private static final Facts TLS_HANDSHAKE_FRESH_ACCEPT = new Facts("10.0.0.2:443", "10.0.0.1:40000", false, false, false, false, false, true, Facts.TLS_HANDSHAKE);

    private static final String EXACT = "exact";
    private static final String INFERRED = "inferred";
    private static final String NO_ERRNO = null;

    // Windows and macOS wordings (FormatMessage texts and the JDK's winsock table with its ": <call>" suffix).
    private static final String WIN_RESET = "An existing connection was forcibly closed by the remote host";
    private static final String WIN_ABORTED = "An established connection was aborted by the software in your host machine";
    private static final String WIN_REFUSED = "No connection could be made because the target machine actively refused it";
    private static final String WIN_TIMEOUT = "A connection attempt failed because the connected party did not properly "
            + "respond after a period of time, or established connection failed because connected host has failed to respond";

    /** One row of the table under test. */
    record Case(Op op, Throwable thrown, Facts facts, String cause, String errno, String confidence) {
        @Override
        public String toString() {
            String facts = this.facts.outputShutdown() ? " [output_shutdown]" : this.facts.closed() ? " [closed]" : "";
            if (this.facts.tls() != null) {
                facts += " [tls " + this.facts.tls() + (this.facts.freshAccept() ? ", fresh_accept]" : "]");
            }
            String msg = thrown.getMessage() == null ? "null" : '"' + thrown.getMessage() + '"';
            return op.label() + " " + thrown.getClass().getSimpleName() + " " + msg + facts + " -> " + cause;
        }
    }

    private static Case c(Op op, Throwable thrown, Facts facts, String cause, String errno, String confidence) {
        return new Case(op, thrown, facts, cause, errno, confidence);
    }

    private static Case c(Op op, Throwable thrown, String cause, String errno, String confidence) {
        return c(op, thrown, NONE, cause, errno, confidence);
    }

    private static SocketException se(String message) {
        return new SocketException(message);
    }

    private static IOException io(String message) {
        return new IOException(message);
    }

    static final List<Case> CASES = List.of(
            // ---- closed, interrupted or shut down by this process: no errno ----
            c(Op.READ, new ClosedByInterruptException(), "closed_by_interrupt", NO_ERRNO, EXACT),
            c(Op.WRITE, new ClosedByInterruptException(), OUT_SHUT, "closed_by_interrupt", NO_ERRNO, EXACT),
            c(Op.CONNECT, new ClosedByInterruptException(), "closed_by_interrupt", NO_ERRNO, EXACT),
            c(Op.READ, se("Closed by interrupt"), "closed_by_interrupt_virtual", NO_ERRNO, EXACT),
            c(Op.CONNECT, se("Closed by interrupt"), "closed_by_interrupt_virtual", NO_ERRNO, EXACT),
            c(Op.WRITE, new AsynchronousCloseException(), OUT_SHUT, "write_after_own_shutdown_channel", NO_ERRNO, INFERRED),
            c(Op.WRITE, new ClosedChannelException(), OUT_SHUT, "write_after_own_shutdown_channel", NO_ERRNO, INFERRED),
            c(Op.ACCEPT, new AsynchronousCloseException(), "async_close_accept", NO_ERRNO, EXACT),
            c(Op.READ, new AsynchronousCloseException(), "async_close", NO_ERRNO, EXACT),
            c(Op.WRITE, new AsynchronousCloseException(), "async_close", NO_ERRNO, EXACT),
            c(Op.READ, new AsynchronousCloseException(), OUT_SHUT, "async_close", NO_ERRNO, EXACT),
            c(Op.WRITE, new ClosedChannelException(), "channel_closed", NO_ERRNO, EXACT),
            c(Op.READ, new ClosedChannelException(), CLOSED, "channel_closed", NO_ERRNO, EXACT),
            c(Op.ACCEPT, new ClosedChannelException(), "channel_closed", NO_ERRNO, EXACT), // JDK 25 accept on a closed channel
            c(Op.READ, se("Socket closed"), "socket_closed", NO_ERRNO, EXACT),
            c(Op.WRITE, se("Socket closed"), CLOSED, "socket_closed", NO_ERRNO, EXACT),
            c(Op.ACCEPT, se("Socket is closed"), "socket_closed", NO_ERRNO, EXACT),
            c(Op.READ, se("Socket is closed"), "socket_closed", NO_ERRNO, EXACT),
            c(Op.WRITE, se("Socket output is shutdown"), OUT_SHUT, "output_shutdown", NO_ERRNO, EXACT),
            c(Op.WRITE, se("Socket output is already shutdown"), "output_shutdown", NO_ERRNO, EXACT),
            c(Op.READ, se("Socket input is shutdown"), "input_shutdown", NO_ERRNO, EXACT),
            c(Op.READ, se("Socket is not connected"), "not_connected", NO_ERRNO, EXACT),
            c(Op.ACCEPT, se("Socket is not bound yet"), "not_connected", NO_ERRNO, EXACT),
            c(Op.READ, new NotYetConnectedException(), "not_yet_connected", NO_ERRNO, EXACT),
            c(Op.WRITE, new NotYetConnectedException(), "not_yet_connected", NO_ERRNO, EXACT),

            // ---- asynchronous channels: no errno ----
            c(Op.READ, new InterruptedByTimeoutException(), "read_timeout_async", NO_ERRNO, EXACT),
            c(Op.WRITE, new InterruptedByTimeoutException(), "write_timeout_async", NO_ERRNO, EXACT),
            c(Op.READ, new IllegalStateException("Reading not allowed due to timeout or cancellation"),
                    "async_io_after_timeout", NO_ERRNO, EXACT),
            c(Op.WRITE, new IllegalStateException("Writing not allowed due to timeout or cancellation"),
                    "async_io_after_timeout", NO_ERRNO, EXACT),
            c(Op.ACCEPT, new RuntimeException("Accept not allowed due cancellation"), "async_io_after_timeout", NO_ERRNO, EXACT),
            c(Op.READ, new ReadPendingException(), "read_pending", NO_ERRNO, EXACT),
            c(Op.WRITE, new WritePendingException(), "write_pending", NO_ERRNO, EXACT),
            c(Op.ACCEPT, new AcceptPendingException(), "accept_pending", NO_ERRNO, EXACT),
            c(Op.ACCEPT, new NotYetBoundException(), "not_yet_bound", NO_ERRNO, EXACT),
            c(Op.READ, new AsynchronousCloseException(), CLOSED, "async_close", NO_ERRNO, EXACT), // async close, addresses gone
            c(Op.CONNECT, new ClosedChannelException(), "channel_closed", NO_ERRNO, EXACT), // async connect on a closed channel

            // ---- JDK timers and name resolution: no errno ----
            c(Op.CONNECT, new SocketTimeoutException("Connect timed out"), "connect_timeout_jdk", NO_ERRNO, EXACT),
            c(Op.CONNECT, new SocketTimeoutException("connect timed out"), "connect_timeout_jdk", NO_ERRNO, EXACT),
            c(Op.READ, new SocketTimeoutException("Read timed out"), "read_timeout_jdk", NO_ERRNO, EXACT),
            c(Op.ACCEPT, new SocketTimeoutException("Accept timed out"), "accept_timeout_jdk", NO_ERRNO, EXACT),
            c(Op.READ, new SocketTimeoutException(), "jdk_timeout", NO_ERRNO, INFERRED),
            c(Op.WRITE, new SocketTimeoutException("Write timed out"), "jdk_timeout", NO_ERRNO, INFERRED),
            c(Op.READ, new SocketTimeoutException("Connect timed out"), "jdk_timeout", NO_ERRNO, INFERRED),
            c(Op.CONNECT, new UnknownHostException("nohost.invalid"), "unknown_host", NO_ERRNO, EXACT),
            c(Op.CONNECT, new UnresolvedAddressException(), "unresolved_address", NO_ERRNO, EXACT),
            c(Op.BIND, new UnresolvedAddressException(), "unresolved_address", NO_ERRNO, EXACT),
            c(Op.BIND, se("Unresolved address"), "unresolved_address_socket", NO_ERRNO, EXACT),

            // ---- the peer reset the connection ----
            c(Op.READ, se("Connection reset"), "peer_reset_read", "ECONNRESET", EXACT),
            c(Op.READ, io("Connection reset"), "peer_reset_read", "ECONNRESET", EXACT), // AsynchronousSocketChannel
            c(Op.WRITE, se("Connection reset by peer"), "peer_reset_write", "ECONNRESET", EXACT),
            c(Op.WRITE, io("Connection reset by peer"), "peer_reset_write", "ECONNRESET", EXACT), // channel write
            c(Op.WRITE, se("Connection reset by peer"), OUT_SHUT, "peer_reset_write", "ECONNRESET", EXACT),
            c(Op.WRITE, io(WIN_RESET), "peer_reset_write", "ECONNRESET", EXACT),
            c(Op.WRITE, se("Connection reset by peer: socket write error"), "peer_reset_write", "ECONNRESET", EXACT),
            c(Op.CONNECT, se("Connection reset"), "peer_reset_connect", "ECONNRESET", EXACT),
            c(Op.CONNECT, new ConnectException("Connection reset by peer"), "peer_reset_connect", "ECONNRESET", EXACT),
            c(Op.CONNECT, se(WIN_RESET), "peer_reset_connect", "ECONNRESET", EXACT),
            c(Op.READ, se("Connection reset by peer"), "peer_reset", "ECONNRESET", EXACT),
            c(Op.WRITE, se("Connection reset"), "peer_reset", "ECONNRESET", EXACT),
            c(Op.CLOSE, se(WIN_RESET), "peer_reset", "ECONNRESET", EXACT),

            // ---- writes after the connection was gone ----
            c(Op.WRITE, se("Broken pipe"), OUT_SHUT, "write_after_own_shutdown", "EPIPE", INFERRED),
            c(Op.WRITE, io("Broken pipe"), OUT_SHUT, "write_after_own_shutdown", "EPIPE", INFERRED),
            c(Op.WRITE, se("Broken pipe"), "broken_pipe", "EPIPE", EXACT),
            c(Op.WRITE, se("Broken pipe"), AFTER_EOF, "broken_pipe_after_eof", "EPIPE", EXACT),
            c(Op.WRITE, io("Broken pipe"), AFTER_RESET, "broken_pipe_after_reset", "EPIPE", EXACT),
            c(Op.WRITE, se("Connection reset by peer"), AFTER_EOF, "peer_reset_write_after_eof", "ECONNRESET", EXACT),
            c(Op.WRITE, io("Connection reset by peer"), IDLE, "peer_reset_write_after_idle", "ECONNRESET", EXACT),
            c(Op.READ, se("Connection reset"), IDLE, "peer_reset_read_after_idle", "ECONNRESET", EXACT),
            c(Op.READ, se("Connection reset"), FRESH_ACCEPT, "peer_reset_read_fresh_accept", "ECONNRESET", EXACT),
            // ---- TLS (SSLSocket): the phase the socket I/O was in ----
            c(Op.READ, se("Connection reset"), TLS_HANDSHAKE, "peer_reset_read_tls_handshake", "ECONNRESET", EXACT),
            c(Op.READ, se("Connection reset"), TLS_ESTABLISHED, "peer_reset_read", "ECONNRESET", EXACT),
            // a server whose client reset right after the accept: the queued client, not TLS
            c(Op.READ, se("Connection reset"), TLS_HANDSHAKE_FRESH_ACCEPT, "peer_reset_read_fresh_accept", "ECONNRESET", EXACT),
            c(Op.WRITE, se("Connection reset by peer"), TLS_HANDSHAKE, "peer_reset_write_tls_handshake", "ECONNRESET", EXACT),
            c(Op.WRITE, se(WIN_RESET), TLS_HANDSHAKE, "peer_reset_write_tls_handshake", "ECONNRESET", EXACT),
            c(Op.WRITE, se("Connection reset by peer"), TLS_ESTABLISHED, "peer_reset_write", "ECONNRESET", EXACT),
            c(Op.WRITE, se("Broken pipe"), TLS_HANDSHAKE, "broken_pipe", "EPIPE", EXACT),
            c(Op.READ, new javax.net.ssl.SSLHandshakeException("Remote host terminated the handshake"), TLS_HANDSHAKE,
                    "tls_handshake_peer_closed", NO_ERRNO, EXACT),
            c(Op.READ, new javax.net.ssl.SSLHandshakeException("PKIX path building failed"), TLS_HANDSHAKE,
                    null, NO_ERRNO, null),
            c(Op.WRITE, se("Cannot send after transport endpoint shutdown"), "send_after_shutdown", "ESHUTDOWN", EXACT),
            c(Op.WRITE, io("Broken pipe"), "broken_pipe", "EPIPE", EXACT),
            c(Op.WRITE, se("Broken pipe (Write failed)"), "broken_pipe", "EPIPE", EXACT),
            c(Op.ACCEPT, io("Software caused connection abort"), "connection_aborted", "ECONNABORTED", EXACT),
            c(Op.READ, se(WIN_ABORTED), "connection_aborted", "ECONNABORTED", EXACT),
            c(Op.WRITE, se("Software caused connection abort: socket write error"), "connection_aborted", "ECONNABORTED", EXACT),

            // ---- connecting ----
            c(Op.CONNECT, new ConnectException("Connection refused"), "refused", "ECONNREFUSED", EXACT),
            c(Op.CONNECT, new ConnectException("Connection refused: connect"), "refused", "ECONNREFUSED", EXACT),
            c(Op.CONNECT, new ConnectException("Connection refused: no further information"), "refused", "ECONNREFUSED", EXACT),
            c(Op.CONNECT, new ConnectException(WIN_REFUSED), "refused", "ECONNREFUSED", EXACT),
            c(Op.CONNECT, new ConnectException("Connection timed out"), "kernel_timeout_connect", "ETIMEDOUT", EXACT),
            c(Op.CONNECT, new ConnectException("Operation timed out"), "kernel_timeout_connect", "ETIMEDOUT", EXACT),
            c(Op.CONNECT, new ConnectException(WIN_TIMEOUT), "kernel_timeout_connect", "ETIMEDOUT", EXACT),
            c(Op.READ, se("Connection timed out"), "kernel_timeout", "ETIMEDOUT", EXACT),
            c(Op.WRITE, io("Operation timed out"), "kernel_timeout", "ETIMEDOUT", EXACT),
            c(Op.CONNECT, new NoRouteToHostException("No route to host"), "host_unreachable", "EHOSTUNREACH", EXACT),
            c(Op.CONNECT, new NoRouteToHostException("A socket operation was attempted to an unreachable host"),
                    "host_unreachable", "EHOSTUNREACH", EXACT),
            c(Op.WRITE, io("No route to host"), "host_unreachable", "EHOSTUNREACH", EXACT),
            c(Op.CONNECT, new NoRouteToHostException(), "host_unreachable_no_message", "EHOSTUNREACH", INFERRED),
            c(Op.CONNECT, se("Network is unreachable"), "network_unreachable", "ENETUNREACH", EXACT),
            c(Op.CONNECT, se("A socket operation was attempted to an unreachable network"),
                    "network_unreachable", "ENETUNREACH", EXACT),
            c(Op.CONNECT, se("Host is down"), "host_down", "EHOSTDOWN", EXACT),
            c(Op.WRITE, se("Network is down"), "network_down", "ENETDOWN", EXACT),
            c(Op.CONNECT, new BindException("Cannot assign requested address"), "ephemeral_ports_exhausted", "EADDRNOTAVAIL", EXACT),
            c(Op.CONNECT, new BindException("Can't assign requested address"), "ephemeral_ports_exhausted", "EADDRNOTAVAIL", EXACT),
            c(Op.CONNECT, new BindException("Permission denied"), "connect_permission_denied", "EACCES", EXACT),
            c(Op.WRITE, se("Operation not permitted"), "operation_not_permitted", "EPERM", EXACT),
            c(Op.CONNECT, se("Operation not permitted"), "operation_not_permitted", "EPERM", EXACT),

            // ---- binding and options ----
            c(Op.BIND, new BindException("Address already in use"), "address_in_use", "EADDRINUSE", EXACT),
            c(Op.BIND, new BindException("Address already in use: bind"), "address_in_use", "EADDRINUSE", EXACT),
            c(Op.BIND, new BindException("Only one usage of each socket address (protocol/network address/port) "
                    + "is normally permitted"), "address_in_use", "EADDRINUSE", EXACT),
            c(Op.BIND, new BindException("Cannot assign requested address"), "bind_address_not_available", "EADDRNOTAVAIL", EXACT),
            c(Op.BIND, new BindException("Can't assign requested address"), "bind_address_not_available", "EADDRNOTAVAIL", EXACT),
            c(Op.BIND, new BindException("Permission denied"), "bind_permission_denied", "EACCES", EXACT),
            c(Op.CREATE, se("Permission denied"), "permission_denied", "EACCES", EXACT),
            c(Op.OPTION, new UnsupportedOperationException("'IP_MULTICAST_LOOP' not supported"),
                    "option_not_supported", "ENOPROTOOPT", INFERRED),
            c(Op.OPTION, se("Protocol not available"), "protocol_not_available", "ENOPROTOOPT", EXACT),
            c(Op.OPTION, se("Invalid argument"), "option_invalid", "EINVAL", EXACT),
            c(Op.CONNECT, se("Invalid argument"), "connect_invalid_argument", "EINVAL", EXACT),
            c(Op.BIND, se("Invalid argument"), "invalid_argument", "EINVAL", EXACT),

            // ---- resources ----
            c(Op.ACCEPT, io("Too many open files in system"), "too_many_files_system", "ENFILE", EXACT),
            c(Op.CREATE, se("Too many open files in system"), "too_many_files_system", "ENFILE", EXACT),
            c(Op.ACCEPT, io("Too many open files"), "too_many_open_files_accept", "EMFILE", EXACT),
            c(Op.CREATE, se("Too many open files"), "too_many_open_files", "EMFILE", EXACT),
            c(Op.WRITE, se("No buffer space available"), "no_buffer_space", "ENOBUFS", EXACT),
            c(Op.CONNECT, se("No buffer space available (maximum connections reached?): connect"),
                    "no_buffer_space", "ENOBUFS", EXACT),
            c(Op.WRITE, io("Transport endpoint is not connected"), "not_connected_errno", "ENOTCONN", EXACT),
            c(Op.READ, se("Bad file descriptor"), "bad_file_descriptor", "EBADF", EXACT),
            c(Op.CONNECT, se("Address family not supported by protocol"), "address_family_not_supported", "EAFNOSUPPORT", EXACT),
            c(Op.CREATE, se("Protocol family unavailable"), "address_family_not_supported", "EAFNOSUPPORT", EXACT),

            // ---- UDP (DatagramChannel, DatagramSocket), as measured on JDK 17 and 25 ----
            c(Op.READ, new PortUnreachableException(), "port_unreachable", "ECONNREFUSED", EXACT),
            c(Op.WRITE, new PortUnreachableException(), "port_unreachable", "ECONNREFUSED", EXACT),
            c(Op.READ, new PortUnreachableException("ICMP Port Unreachable"), "port_unreachable", "ECONNREFUSED", EXACT),
            c(Op.WRITE, se("Message too long"), "message_too_long", "EMSGSIZE", EXACT), // DatagramChannel.send
            c(Op.WRITE, io("Message too long"), "message_too_long", "EMSGSIZE", EXACT), // DatagramChannel.write
            c(Op.WRITE, se("A message sent on a datagram socket was larger than the internal message buffer or some "
                    + "other network limit"), "message_too_long", "EMSGSIZE", EXACT),
            c(Op.READ, new SocketTimeoutException("Receive timed out"), "receive_timeout_jdk", NO_ERRNO, EXACT),
            c(Op.WRITE, se("Network is unreachable"), "network_unreachable", "ENETUNREACH", EXACT),
            c(Op.WRITE, new NoRouteToHostException("No route to host"), "host_unreachable", "EHOSTUNREACH", EXACT),
            c(Op.WRITE, se("Socket closed"), "socket_closed", NO_ERRNO, EXACT), // DatagramSocket.send after close

            // ---- no rule: no guess ----
            c(Op.READ, se("Something odd happened"), null, null, null),
            c(Op.READ, new SocketException(), null, null, null),
            c(Op.READ, new IllegalStateException("Connection pool is shut down"), null, null, null));

    static Stream<Arguments> cases() {
        return CASES.stream().map(k -> Arguments.of(Named.of(k.toString(), k)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void classifiesEachRow(Case k) {
        Diagnosis d = CLASSIFIER.classify(k.op(), k.thrown(), k.facts());
        assertEquals(k.cause(), d.cause(), "cause");
        assertEquals(k.errno(), d.errno() == null ? null : d.errno().symbol(), "errno");
        assertEquals(k.confidence(), d.confidence(), "confidence");
        assertEquals(k.cause() != null, d.known(), "known()");
    }

    @Test
    void everyRuleIdIsCoveredByACase() {
        Set<String> allIds = TABLE.rules().stream().map(Rule::id).collect(Collectors.toCollection(TreeSet::new));
        Set<String> hit = new TreeSet<>();
        for (Case k : CASES) {
            String cause = CLASSIFIER.classify(k.op(), k.thrown(), k.facts()).cause();
            if (cause != null) {
                hit.add(cause);
            }
        }
        Set<String> missing = new TreeSet<>(allIds);
        missing.removeAll(hit);
        assertTrue(missing.isEmpty(), "rules without a test case: " + missing);
        assertEquals(allIds, hit);
        assertEquals(72, allIds.size(), "rule count changed: add cases for new rules, then update this number");
    }

    @Test
    void theVerdictCarriesTheRulesOwnTexts() {
        Rule rule = TABLE.rules().stream().filter(r -> r.id().equals("peer_reset_read")).findFirst().orElseThrow();
        Diagnosis d = CLASSIFIER.classify(Op.READ, se("Connection reset"), NONE);
        assertEquals(rule.diagnosis(), d.diagnosis());
        assertEquals(rule.hint(), d.hint());
        assertTrue(d.diagnosis().startsWith("The peer sent a TCP RST while this side was reading"), d.diagnosis());
        assertEquals(104, d.errno().linux());
        assertEquals(TABLE.errnos().get("ECONNRESET"), d.errno());
    }

    // ---- the distinctions that matter, spelled out pairwise ----

    @Test
    void connectTimedOutIsTheJdkTimerButConnectionTimedOutIsEtimedout() {
        Diagnosis jdk = CLASSIFIER.classify(Op.CONNECT, new SocketTimeoutException("Connect timed out"), NONE);
        Diagnosis kernel = CLASSIFIER.classify(Op.CONNECT, new ConnectException("Connection timed out"), NONE);
        assertEquals("connect_timeout_jdk", jdk.cause());
        assertNull(jdk.errno());
        assertEquals("kernel_timeout_connect", kernel.cause());
        assertEquals("ETIMEDOUT", kernel.errno().symbol());
        assertEquals(110, kernel.errno().linux());
    }

    @Test
    void connectionResetOnReadDiffersFromConnectionResetByPeerOnWrite() {
        Diagnosis read = CLASSIFIER.classify(Op.READ, se("Connection reset"), NONE);
        Diagnosis write = CLASSIFIER.classify(Op.WRITE, se("Connection reset by peer"), NONE);
        assertEquals("peer_reset_read", read.cause());
        assertEquals("peer_reset_write", write.cause());
        assertEquals("ECONNRESET", read.errno().symbol());
        assertEquals("ECONNRESET", write.errno().symbol());
        assertNotEquals(read.diagnosis(), write.diagnosis());
    }

    @Test
    void tooManyOpenFilesInSystemIsEnfileNotEmfile() {
        assertEquals("ENFILE", CLASSIFIER.classify(Op.ACCEPT, io("Too many open files in system"), NONE).errno().symbol());
        assertEquals("EMFILE", CLASSIFIER.classify(Op.ACCEPT, io("Too many open files"), NONE).errno().symbol());
        assertEquals("ENFILE", CLASSIFIER.classify(Op.CREATE, se("Too many open files in system"), NONE).errno().symbol());
        assertEquals("EMFILE", CLASSIFIER.classify(Op.CREATE, se("Too many open files"), NONE).errno().symbol());
    }

    @Test
    void cannotAssignRequestedAddressDependsOnTheOperation() {
        BindException thrown = new BindException("Cannot assign requested address");
        assertEquals("ephemeral_ports_exhausted", CLASSIFIER.classify(Op.CONNECT, thrown, NONE).cause());
        assertEquals("bind_address_not_available", CLASSIFIER.classify(Op.BIND, thrown, NONE).cause());
    }

    @Test
    void brokenPipeAfterOwnShutdownIsInferredOtherwiseExact() {
        Diagnosis own = CLASSIFIER.classify(Op.WRITE, se("Broken pipe"), OUT_SHUT);
        Diagnosis peer = CLASSIFIER.classify(Op.WRITE, se("Broken pipe"), NONE);
        assertEquals("write_after_own_shutdown", own.cause());
        assertEquals(INFERRED, own.confidence());
        assertEquals("broken_pipe", peer.cause());
        assertEquals(EXACT, peer.confidence());
        assertEquals("EPIPE", own.errno().symbol());
        assertEquals("EPIPE", peer.errno().symbol());
    }

    @Test
    void asynchronousCloseOnWriteDependsOnOwnShutdown() {
        assertEquals("write_after_own_shutdown_channel",
                CLASSIFIER.classify(Op.WRITE, new AsynchronousCloseException(), OUT_SHUT).cause());
        assertEquals("async_close", CLASSIFIER.classify(Op.WRITE, new AsynchronousCloseException(), NONE).cause());
    }

    @Test
    void anUnknownMessageGetsNoGuess() {
        Diagnosis d = CLASSIFIER.classify(Op.READ, se("Something odd happened"), NONE);
        assertNull(d.cause());
        assertNull(d.errno());
        assertNull(d.confidence());
        assertFalse(d.known());
        assertEquals(Diagnosis.UNKNOWN, d);
        assertTrue(d.diagnosis().contains("no rule"), d.diagnosis());
    }

    @Test
    void noRouteToHostWithoutMessageIsInferredEhostunreach() {
        Diagnosis d = CLASSIFIER.classify(Op.CONNECT, new NoRouteToHostException(), NONE);
        assertEquals("host_unreachable_no_message", d.cause());
        assertEquals("EHOSTUNREACH", d.errno().symbol());
        assertEquals(113, d.errno().linux());
        assertEquals(INFERRED, d.confidence());
    }

    @Test
    void aSubclassMatchesARuleNamingItsSuperclass() {
        // ConnectException and BindException are SocketExceptions: "Socket closed" rules apply to them too.
        assertEquals("socket_closed", CLASSIFIER.classify(Op.CONNECT, new ConnectException("Socket closed"), NONE).cause());
        // ...but a plain IOException is not a SocketException.
        assertNull(CLASSIFIER.classify(Op.READ, io("Socket closed"), NONE).cause());
    }

    @Test
    void messagesMatchAtTheStartOnlyAndIgnoreCase() {
        assertEquals("refused", CLASSIFIER.classify(Op.CONNECT, new ConnectException("CONNECTION REFUSED"), NONE).cause());
        assertNull(CLASSIFIER.classify(Op.CONNECT, new ConnectException("Upstream said: Connection refused"), NONE).cause());
    }

    // ---- bugs found while writing these tests ----

    @Test
    void aChannelClosedAfterShutdownOutputIsDiagnosedAsClosed() {
        // shutdownOutput(); close(); write() -> ClosedChannelException, and the facts say both
        // outputShutdown=true (SocketChannel.socket().isOutputShutdown() stays true) and closed=true.
        Facts shutThenClosed = new Facts(null, "10.0.0.2:80", true, true);
        assertEquals("channel_closed",
                CLASSIFIER.classify(Op.WRITE, new ClosedChannelException(), shutThenClosed).cause());
        assertEquals("async_close",
                CLASSIFIER.classify(Op.WRITE, new AsynchronousCloseException(), shutThenClosed).cause());
    }

    @Test
    void cannotSendAfterShutdownIsEshutdownNotEpipe() {
        // WSAESHUTDOWN in the JDK's winsock table, strerror(ESHUTDOWN) on Linux, macOS wording.
        for (String message : List.of("Cannot send after socket shutdown: socket write error",
                "Cannot send after transport endpoint shutdown", "Can't send after socket shutdown")) {
            Diagnosis d = CLASSIFIER.classify(Op.WRITE, se(message), NONE);
            assertNotEquals("broken_pipe", d.cause(), message);
            assertTrue(d.known(), message);
            assertEquals("ESHUTDOWN", d.errno() == null ? null : d.errno().symbol(), message);
            assertEquals(EXACT, d.confidence(), message);
        }
    }

    @Test
    void bindToAnUnresolvedAddressIsKnown() {
        Diagnosis d = CLASSIFIER.classify(Op.BIND, se("Unresolved address"), NONE);
        assertTrue(d.known());
        assertTrue(d.cause().startsWith("unresolved_address"), d.cause());
        assertNull(d.errno());
        assertEquals(EXACT, d.confidence());
    }

    /** Guards the list above: distinct rows, and every expectation names a real rule. */
    @Test
    void theCaseListIsWellFormed() {
        Set<String> ids = TABLE.rules().stream().map(Rule::id).collect(Collectors.toSet());
        List<String> unknownIds = new ArrayList<>();
        for (Case k : CASES) {
            if (k.cause() != null && !ids.contains(k.cause())) {
                unknownIds.add(k.cause());
            }
            if (k.errno() != null) {
                assertTrue(TABLE.errnos().containsKey(k.errno()), k.errno());
            }
        }
        assertEquals(List.of(), unknownIds);
        assertEquals(CASES.size(), CASES.stream().map(Case::toString).distinct().count(), "duplicate cases");
    }
}
