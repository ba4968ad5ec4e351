package io.socketdoctor.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The texts of warnings and leaks: present, complete, and only known placeholders. */
class NotesTest {

    private static final ErrorTable TABLE = ErrorTable.load();

    @Test
    void everyNoteTheAgentEmitsIsInTheTable() {
        assertEquals(Set.of("write_after_peer_close", "write_after_reset", "close_wait_leak", "close_wait_leak_unread",
                "stale_connection", "close_wait_census"), TABLE.notes().keySet());
    }

    @Test
    void notesAreSentencesWithKnownPlaceholders() {
        for (ErrorTable.Note note : TABLE.notes().values()) {
            for (String text : new String[] {note.diagnosis(), note.hint()}) {
                assertTrue(text.replaceFirst("\\{knob}$", "").endsWith("."), note.id() + ": " + text);
                String stripped = text.replaceAll("\\{(age|idle|eof_ago|eof_site|reset_ago|count|quiet|knob)}", "");
                assertTrue(stripped.indexOf('{') < 0, "unknown placeholder in " + note.id() + ": " + text);
            }
        }
    }

    @Test
    void anUnknownNoteIsAPackagingError() {
        assertThrows(IllegalArgumentException.class, () -> TABLE.note("no_such_note"));
    }
}
