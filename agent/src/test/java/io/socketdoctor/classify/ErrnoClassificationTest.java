package io.socketdoctor.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Classifier#classifyErrno}: failures whose errno a native library handed over (Netty's
 * native transports). The rule is picked by errno, operation and facts; rules tied to an exception
 * type the JDK makes (option_not_supported, host_unreachable_no_message) never match.
 */
class ErrnoClassificationTest {

    private static final ErrorTable TABLE = ErrorTable.load();
    private static final Classifier CLASSIFIER = new Classifier(TABLE);

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "read, ECONNRESET, peer_reset_read",
        "write, ECONNRESET, peer_reset_write",
        "connect, ECONNRESET, peer_reset_connect",
        "close, ECONNRESET, peer_reset",
        "write, EPIPE, broken_pipe",
        "connect, ECONNREFUSED, refused",
        "connect, ETIMEDOUT, kernel_timeout_connect",
        "read, ETIMEDOUT, kernel_timeout",
        "connect, EHOSTUNREACH, host_unreachable",
        "connect, ENETUNREACH, network_unreachable",
        "connect, EADDRNOTAVAIL, ephemeral_ports_exhausted",
        "bind, EADDRNOTAVAIL, bind_address_not_available",
        "bind, EADDRINUSE, address_in_use",
        "bind, EACCES, bind_permission_denied",
        "connect, EACCES, connect_permission_denied",
        "accept, EMFILE, too_many_open_files_accept",
        "create, EMFILE, too_many_open_files",
        "option, ENOPROTOOPT, protocol_not_available",
        "read, ENOTCONN, not_connected_errno",
        "write, EBADF, bad_file_descriptor",
    })
    void theRuleForTheErrnoAndOperation(String op, String errno, String cause) {
        Diagnosis d = CLASSIFIER.classifyErrno(Op.fromLabel(op), TABLE.errnos().get(errno), Facts.NONE);
        assertEquals(cause, d.cause());
        assertEquals(errno, d.errno().symbol());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"AFTER_EOF, broken_pipe_after_eof", "AFTER_RESET, broken_pipe_after_reset",
        "OUTPUT_SHUTDOWN, write_after_own_shutdown"})
    void factsStillRefineTheCause(Facts.Condition condition, String cause) {
        Facts facts = new Facts(null, null, condition == Facts.Condition.OUTPUT_SHUTDOWN, false,
                condition == Facts.Condition.AFTER_EOF, condition == Facts.Condition.AFTER_RESET, false, false);
        assertEquals(cause, CLASSIFIER.classifyErrno(Op.WRITE, TABLE.errnos().get("EPIPE"), facts).cause());
    }

    @org.junit.jupiter.api.Test
    void anErrnoWithoutARuleForTheOperationKeepsTheErrnoWithoutACause() {
        Diagnosis d = CLASSIFIER.classifyErrno(Op.READ, TABLE.errnos().get("ESHUTDOWN"), Facts.NONE);
        assertNull(d.cause());
        assertEquals("ESHUTDOWN", d.errno().symbol());
        assertEquals("exact", d.confidence());
        assertTrue(d.diagnosis().contains("ESHUTDOWN"), d.diagnosis());
        assertNull(CLASSIFIER.classifyErrno(Op.READ, null, Facts.NONE).cause());
    }
}
