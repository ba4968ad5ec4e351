package io.socketdoctor.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Parts 4 and 5 of the table: the client libraries with their knobs, and the kinds and texts of consequences. */
class LibrariesAndConsequencesTableTest {

    private static final ErrorTable TABLE = ErrorTable.load();

    @Test
    void theLibrariesTheIssueNamesAreThere() {
        Map<String, Library> byName = TABLE.libraries().stream().collect(Collectors.toMap(Library::name, l -> l));
        for (String name : List.of("jdk.httpclient", "okhttp", "netty", "reactor-netty", "apache-httpclient",
                "jetty-client", "pgjdbc", "mysql-jdbc", "jedis", "lettuce", "kafka", "grpc", "hikari", "spring-web")) {
            Library library = byName.get(name);
            assertNotNull(library, name);
            assertNotNull(library.knob(), name + " has a knob");
            assertTrue(library.knob().indexOf('{') < 0, name);
        }
        assertTrue(byName.get("okhttp").owns("okio.internal.DefaultSocket$SocketSource"));
        assertTrue(byName.get("okhttp").owns("okhttp3.internal.connection.RealCall"));
        assertTrue(byName.get("jdk.httpclient").runs("HttpClient-1-SelectorManager"));
        assertTrue(byName.get("jdk.httpclient").runs("HttpClient-12-Worker-3"));
        assertTrue(byName.get("netty").runs("nioEventLoopGroup-2-1"));
        assertTrue(byName.get("netty").runs("multiThreadIoEventLoopGroup-3-2"));
        assertTrue(!byName.get("netty").runs("main"));
        assertTrue(byName.get("hikari").owns("com.zaxxer.hikari.pool.HikariProxyPreparedStatement"));
    }

    @Test
    void failuresHaveTheKindsOfTheirErrnoElseOfTheirCause() {
        assertEquals("refused", TABLE.kindOf("ECONNREFUSED", "refused"));
        assertEquals("reset", TABLE.kindOf("ECONNRESET", "peer_reset_read"));
        assertEquals("broken_pipe", TABLE.kindOf("EPIPE", "broken_pipe"));
        assertEquals("timeout", TABLE.kindOf(null, "read_timeout_jdk"));
        assertEquals("closed", TABLE.kindOf(null, "channel_closed"));
        assertEquals("closed", TABLE.kindOf(null, "socket_closed"));
        assertNull(TABLE.kindOf("EADDRINUSE", "address_in_use"));
        assertNull(TABLE.kindOf(null, null));
    }

    @Test
    void rootKindsHaveTextsThatSpeakOfTheFirstFailure() {
        for (String kind : List.of("refused", "reset", "broken_pipe", "timeout")) {
            ErrorTable.Note texts = TABLE.after(kind);
            assertNotNull(texts, kind);
            assertTrue(texts.diagnosis().contains("{after}") && texts.diagnosis().contains("{after_ago}")
                    && texts.diagnosis().contains("{this}"), kind);
            assertTrue(texts.hint().startsWith("Look at the first failure"), kind);
        }
        assertNull(TABLE.after("closed"), "a closed channel is a consequence, never a root");
    }

    @Test
    void theKnobSentencesAreThere() {
        assertTrue(TABLE.knobText("with-idle").contains("{peer_idle}") && TABLE.knobText("with-idle").contains("{knob}")
                && TABLE.knobText("with-idle").contains("{below}"));
        assertTrue(TABLE.knobText("knob-only").contains("{knob}"));
        assertTrue(TABLE.knobText("idle-only").contains("{below}"));
        assertThrows(IllegalArgumentException.class, () -> TABLE.knobText("nonsense"));
    }

    @Test
    void anAfterBlockOfAnUndefinedKindIsRejected() {
        String table = "after nonsense\n  diagnosis D.\n  hint H.\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ErrorTable.parse(new BufferedReader(new StringReader(table))));
        assertTrue(e.getMessage().contains("nonsense"), e.getMessage());
    }

    @Test
    void aLibraryLineNeedsItsThreeColumns() {
        String table = "library okhttp | okhttp3.\n";
        assertThrows(IllegalArgumentException.class, () -> ErrorTable.parse(new BufferedReader(new StringReader(table))));
    }
}
