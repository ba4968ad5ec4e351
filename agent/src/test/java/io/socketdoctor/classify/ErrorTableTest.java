package io.socketdoctor.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorTableTest {

    private static final ErrorTable TABLE = ErrorTable.load();

    private static ErrorTable parse(String text) throws IOException {
        return ErrorTable.parse(new BufferedReader(new StringReader(text)));
    }

    private static Rule rule(ErrorTable table, String id) {
        return table.rules().stream().filter(r -> r.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no rule " + id));
    }

    // ---- the shipped table ----

    @Test
    void theShippedTableParses() {
        assertEquals(23, TABLE.errnos().size(), "errno catalogue size");
        assertEquals(72, TABLE.rules().size(), "rule count");
        assertEquals("closed_by_interrupt", TABLE.rules().get(0).id());
        assertEquals("address_family_not_supported", TABLE.rules().get(TABLE.rules().size() - 1).id());
    }

    @Test
    void everyErrnoUsedByARuleIsInTheCatalogue() {
        for (Rule r : TABLE.rules()) {
            if (r.errno() != null) {
                assertSame(TABLE.errnos().get(r.errno().symbol()), r.errno(), r.id());
            }
        }
    }

    @Test
    void everyErrnoOfTheCatalogueIsUsedByARule() {
        Set<String> used = TABLE.rules().stream().filter(r -> r.errno() != null)
                .map(r -> r.errno().symbol()).collect(Collectors.toSet());
        assertEquals(TABLE.errnos().keySet(), used);
    }

    @ParameterizedTest(name = "{0} is {1} on Linux")
    @CsvSource({
        "ECONNRESET, 104", "EPIPE, 32", "ETIMEDOUT, 110", "ECONNREFUSED, 111", "EHOSTUNREACH, 113",
        "ENETUNREACH, 101", "ECONNABORTED, 103", "ENOPROTOOPT, 92", "EADDRINUSE, 98", "EADDRNOTAVAIL, 99",
        "EMFILE, 24", "ENFILE, 23", "EACCES, 13", "EINVAL, 22", "EPERM, 1", "ENOBUFS, 105", "ENOTCONN, 107",
        "EBADF, 9", "EHOSTDOWN, 112", "ENETDOWN, 100", "EAFNOSUPPORT, 97",
        "EMSGSIZE, 90"
    })
    void linuxNumbers(String symbol, int linux) {
        Errno e = TABLE.errnos().get(symbol);
        assertEquals(symbol, e.symbol());
        assertEquals(linux, e.linux());
        assertEquals(linux, e.code(Errno.Platform.LINUX));
    }

    @ParameterizedTest(name = "{0} is {1} on macOS, {2} on Windows")
    @CsvSource({
        "ECONNRESET, 54, 10054", "ETIMEDOUT, 60, 10060", "ECONNREFUSED, 61, 10061",
        "EHOSTUNREACH, 65, 10065", "EADDRINUSE, 48, 10048", "EADDRNOTAVAIL, 49, 10049", "ECONNABORTED, 53, 10053",
        "EMSGSIZE, 40, 10040"
    })
    void macosAndWindowsNumbers(String symbol, int macos, int windows) {
        Errno e = TABLE.errnos().get(symbol);
        assertEquals(macos, e.macos());
        assertEquals(windows, e.windows());
        assertEquals(macos, e.code(Errno.Platform.MACOS));
        assertEquals(windows, e.code(Errno.Platform.WINDOWS));
    }

    @Test
    void anErrnoAPlatformLacksHasNoCode() {
        Errno epipe = TABLE.errnos().get("EPIPE");
        assertEquals(0, epipe.windows());
        assertNull(epipe.code(Errno.Platform.WINDOWS));
        assertEquals(32, epipe.code(Errno.Platform.MACOS));
        assertNull(TABLE.errnos().get("ENFILE").code(Errno.Platform.WINDOWS));
    }

    @Test
    void descriptionsAreTheLinuxStrerrorTexts() {
        assertEquals("Connection reset by peer", TABLE.errnos().get("ECONNRESET").description());
        assertEquals("Too many open files in system", TABLE.errnos().get("ENFILE").description());
        assertEquals("Cannot assign requested address", TABLE.errnos().get("EADDRNOTAVAIL").description());
    }

    /** The Linux strerror of each catalogue errno, as a SocketException's message, is recognised for some operation. */
    @Test
    void everyLinuxStrerrorIsRecognised() {
        Classifier classifier = new Classifier(TABLE);
        List<String> unrecognised = new ArrayList<>();
        for (Errno e : TABLE.errnos().values()) {
            boolean found = false;
            for (Op op : Op.values()) {
                Diagnosis d = classifier.classify(op, new SocketException(e.description()), Facts.NONE);
                if (d.errno() == e) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                unrecognised.add(e.symbol());
            }
        }
        assertEquals(List.of(), unrecognised);
    }

    @Test
    void ruleIdsAreUniqueAndWellFormed() {
        Set<String> seen = new HashSet<>();
        for (Rule r : TABLE.rules()) {
            assertTrue(seen.add(r.id()), "duplicate rule id " + r.id());
            assertTrue(r.id().matches("[a-z][a-z0-9_]*"), "rule id " + r.id());
        }
    }

    @Test
    void everyDiagnosisAndHintIsASentence() {
        for (Rule r : TABLE.rules()) {
            assertTrue(!r.diagnosis().isBlank() && r.diagnosis().endsWith("."), r.id() + " diagnosis: " + r.diagnosis());
            // {knob} may end a hint: it becomes a sentence of its own, or nothing.
            String hint = r.hint().replaceFirst("\\{knob}$", "");
            assertTrue(!hint.isBlank() && hint.endsWith("."), r.id() + " hint: " + r.hint());
            assertTrue(r.confidence().equals("exact") || r.confidence().equals("inferred"), r.id());
        }
    }

    /** First match wins: a specific rule must come before the general one it would otherwise be shadowed by. */
    @Test
    void specificRulesComeBeforeGeneralOnes() {
        List<String> ids = TABLE.rules().stream().map(Rule::id).collect(Collectors.toList());
        String[][] before = {
            {"closed_by_interrupt", "write_after_own_shutdown_channel"},
            {"closed_by_interrupt", "async_close"},
            {"write_after_own_shutdown_channel", "async_close"},
            {"write_after_own_shutdown_channel", "channel_closed"},
            {"async_close_accept", "async_close"},
            {"async_close", "channel_closed"},
            {"connect_timeout_jdk", "jdk_timeout"},
            {"read_timeout_jdk", "jdk_timeout"},
            {"accept_timeout_jdk", "jdk_timeout"},
            {"receive_timeout_jdk", "jdk_timeout"},
            {"peer_reset_read", "peer_reset"},
            {"peer_reset_read_fresh_accept", "peer_reset_read_tls_handshake"},
            {"peer_reset_read_tls_handshake", "peer_reset_read"},
            {"peer_reset_write_tls_handshake", "peer_reset_write"},
            {"peer_reset_write", "peer_reset"},
            {"peer_reset_connect", "peer_reset"},
            {"write_after_own_shutdown", "broken_pipe"},
            {"kernel_timeout_connect", "kernel_timeout"},
            {"ephemeral_ports_exhausted", "bind_address_not_available"},
            {"connect_permission_denied", "permission_denied"},
            {"bind_permission_denied", "permission_denied"},
            {"option_invalid", "invalid_argument"},
            {"connect_invalid_argument", "invalid_argument"},
            {"too_many_files_system", "too_many_open_files_accept"},
            {"too_many_files_system", "too_many_open_files"},
            {"too_many_open_files_accept", "too_many_open_files"},
        };
        for (String[] pair : before) {
            int first = ids.indexOf(pair[0]);
            int second = ids.indexOf(pair[1]);
            assertTrue(first >= 0 && second >= 0, pair[0] + ", " + pair[1]);
            assertTrue(first < second, pair[0] + " must come before " + pair[1]);
        }
    }

    @Test
    void columnsOfTheShippedRulesAreRead() {
        Rule shut = rule(TABLE, "write_after_own_shutdown");
        assertEquals(EnumSet.of(Op.WRITE), shut.ops());
        assertNull(shut.exception());
        assertEquals("EPIPE", shut.errno().symbol());
        assertEquals("inferred", shut.confidence());
        assertEquals(Facts.Condition.OUTPUT_SHUTDOWN, shut.condition());

        Rule any = rule(TABLE, "async_close");
        assertTrue(any.ops().isEmpty());
        assertEquals("AsynchronousCloseException", any.exception());
        assertNull(any.message());
        assertNull(any.errno());
        assertNull(any.condition());

        assertSame(Rule.NULL_MESSAGE, rule(TABLE, "host_unreachable_no_message").message());
        // A '|' inside the regex (no spaces around it) is part of the message column.
        assertEquals("^(Connection refused|No connection could be made because the target machine actively refused it)",
                rule(TABLE, "refused").message().pattern());
    }

    // ---- parse(): a well-formed table and malformed ones ----

    private static final String ERRNOS = ""
            + "# comment\n"                                              // 1
            + "errno ECONNRESET 104 54 10054 Connection reset by peer\n" // 2
            + "errno EPIPE 32 32 0 Broken pipe\n"                        // 3
            + "\n";                                                      // 4

    @Test
    void parsesAWellFormedTable() throws IOException {
        ErrorTable t = parse(ERRNOS
                + "rule r1 | read,write | java.net.SocketException | ^Connection reset$ | ECONNRESET | exact\n"
                + "  diagnosis The peer reset it.\n"
                + "  hint Look at the peer.\n"
                + "rule r2 | * | * | null | - | inferred | closed\n"
                + "  diagnosis  Nothing known.  \n"
                + "  hint Check.\n");
        assertEquals(List.of("ECONNRESET", "EPIPE"), new ArrayList<>(t.errnos().keySet()));
        assertEquals(new Errno("ECONNRESET", 104, 54, 10054, "Connection reset by peer"), t.errnos().get("ECONNRESET"));
        assertEquals(2, t.rules().size());

        Rule r1 = t.rules().get(0);
        assertEquals("r1", r1.id());
        assertEquals(EnumSet.of(Op.READ, Op.WRITE), r1.ops());
        assertEquals("java.net.SocketException", r1.exception());
        assertEquals("^Connection reset$", r1.message().pattern());
        assertSame(t.errnos().get("ECONNRESET"), r1.errno());
        assertEquals("exact", r1.confidence());
        assertNull(r1.condition());
        assertEquals("The peer reset it.", r1.diagnosis());
        assertEquals("Look at the peer.", r1.hint());

        Rule r2 = t.rules().get(1);
        assertTrue(r2.ops().isEmpty());
        assertNull(r2.exception());
        assertSame(Rule.NULL_MESSAGE, r2.message());
        assertNull(r2.errno());
        assertEquals(Facts.Condition.CLOSED, r2.condition());
        assertEquals("Nothing known.", r2.diagnosis());

        // The fully qualified exception name matches, and the case-insensitive message.
        Classifier c = new Classifier(t);
        assertEquals("r1", c.classify(Op.READ, new SocketException("CONNECTION RESET"), Facts.NONE).cause());
        assertNull(c.classify(Op.READ, new SocketException("Connection reset by peer"), Facts.NONE).cause());
        assertNull(c.classify(Op.READ, new java.io.IOException(), Facts.NONE).cause(), "r2 needs closed");
        assertEquals("r2", c.classify(Op.READ, new java.io.IOException(), new Facts(null, null, false, true)).cause());
    }

    private static void assertRejected(String table, int line, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(table));
        String message = e.getMessage();
        assertTrue(message.contains("line " + line + ":"), "should name line " + line + ": " + message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "should contain '" + fragment + "': " + message);
        }
    }

    @Test
    void rejectsAnUnknownErrnoInARule() {
        assertRejected(ERRNOS
                + "rule r1 | read | * | ^Boom | EBOOM | exact\n" // 5
                + "  diagnosis D.\n"
                + "  hint H.\n", 5, "r1", "EBOOM", "not in the catalogue");
    }

    @Test
    void rejectsABadConfidence() {
        assertRejected(ERRNOS
                + "rule r1 | read | * | ^Boom | - | exact\n"     // 5
                + "  diagnosis D.\n"                             // 6
                + "  hint H.\n"                                  // 7
                + "rule r2 | read | * | ^Bang | EPIPE | maybe\n" // 8
                + "  diagnosis D.\n"
                + "  hint H.\n", 8, "maybe", "exact or inferred");
    }

    @Test
    void rejectsAMissingHintNamingTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(ERRNOS
                + "rule r1 | read | * | ^Boom | - | exact\n"  // 5
                + "  diagnosis D.\n"                          // 6
                + "rule r2 | read | * | ^Bang | - | exact\n"  // 7
                + "  diagnosis D.\n"
                + "  hint H.\n"));
        assertTrue(e.getMessage().contains("rule r1"), e.getMessage());
        assertTrue(e.getMessage().contains("hint"), e.getMessage());
        assertTrue(e.getMessage().matches(".*line \\d+:.*"), e.getMessage());
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = ';', value = {
        // the offending line (5 = the first line after ERRNOS); the text; a fragment of the message
        "5; errno EFOO 1 2; symbol linux macos windows description",
        "5; errno EFOO one 2 3 Foo failed; one",
        "5; errno EPIPE 32 32 0 Broken pipe; listed twice",
        "5; rule r1 | read | * | ^Boom | -; id | ops | exception",
        "5; rule r1 | reed | * | ^Boom | - | exact; REED",
        "5; rule r1 | read | * | ^(Boom | - | exact; Boom",
        "5; rule r1 | write | * | ^Boom | - | exact | half_open; HALF_OPEN",
        "5; hint A hint outside any rule.; cannot read this line",
        "5; this line means nothing; cannot read this line",
    })
    void rejectsMalformedLinesNamingTheLine(int line, String text, String fragment) {
        assertRejected(ERRNOS + text + "\n", line, fragment);
    }

    @Test
    void anEmptyTableHasNoRules() throws IOException {
        ErrorTable t = parse("# nothing\n\n");
        assertEquals(Map.of(), t.errnos());
        assertEquals(List.of(), t.rules());
        assertEquals(Diagnosis.UNKNOWN, new Classifier(t).classify(Op.READ, new SocketException("x"), Facts.NONE));
    }

    @Test
    void aMissingHintNamesTheLineOfTheIncompleteRule() {
        assertRejected(ERRNOS
                + "rule r1 | read | * | ^Boom | - | exact\n"  // 5
                + "  diagnosis D.\n"
                + "rule r2 | read | * | ^Bang | - | exact\n"  // 7
                + "  diagnosis D.\n"
                + "  hint H.\n", 5, "rule r1", "hint");
        assertRejected(ERRNOS
                + "rule r1 | read | * | ^Boom | - | exact\n"  // 5
                + "  diagnosis D.\n"
                + "  hint H.\n"
                + "rule r2 | read | * | ^Bang | - | exact\n"  // 8
                + "  diagnosis D.\n", 8, "rule r2", "hint");
    }

    @Test
    void rejectsADuplicateRuleId() {
        assertRejected(ERRNOS
                + "rule r1 | read | * | ^Boom | - | exact\n"
                + "  diagnosis D.\n"
                + "  hint H.\n"
                + "rule r1 | write | * | ^Bang | - | exact\n" // 8
                + "  diagnosis D.\n"
                + "  hint H.\n", 8, "r1");
    }

    @Test
    void rulesAndErrnosAreUnmodifiable() {
        assertThrows(UnsupportedOperationException.class, () -> TABLE.rules().clear());
        assertThrows(UnsupportedOperationException.class, () -> TABLE.errnos().remove("EPIPE"));
        assertThrows(UnsupportedOperationException.class, () -> rule(TABLE, "peer_reset").ops().add(Op.READ));
        assertEquals(72, TABLE.rules().size());
        assertEquals(23, TABLE.errnos().size());
    }
}
