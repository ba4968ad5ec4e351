package io.socketdoctor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A 1 MB exception message never makes a 1 MB log line or JSON event; a null one stays null. */
class HugeMessageTest {

    private static Event withMessage(String message) {
        return Event.of(Event.SOCKET_ERROR).at(Instant.parse("2026-01-01T00:00:00Z")).call("read", "socket")
                .exception("java.net.SocketException", message).texts("D.", "H.").thread("main").build();
    }

    @Test
    void aHugeMessageIsCutInTheLogLineAndTheJson() {
        String huge = "x".repeat(1024 * 1024) + "\nforged line";
        Event e = withMessage(huge);
        String line = EventText.logLine(e);
        String json = JsonLine.format(e);
        assertTrue(line.length() < 6_000, "log line of " + line.length());
        assertTrue(json.length() < 6_000, "json of " + json.length());
        assertTrue(line.contains("x".repeat(EventText.MAX_MESSAGE_CHARS) + "... (" + huge.length() + " chars)"), line);
        assertTrue(json.contains("... (" + huge.length() + " chars)"), json);
        assertEquals(-1, line.indexOf('\n'));
    }

    @Test
    void shortAndNullMessagesAreUnchanged() {
        assertNull(EventText.capped(null));
        String exact = "y".repeat(EventText.MAX_MESSAGE_CHARS);
        assertEquals(exact, EventText.capped(exact));
        assertTrue(JsonLine.format(withMessage(null)).contains("\"message\":null"), JsonLine.format(withMessage(null)));
        assertTrue(EventText.logLine(withMessage(null)).contains("java.net.SocketException at")
                || EventText.logLine(withMessage(null)).contains("java.net.SocketException ["),
                EventText.logLine(withMessage(null)));
    }
}
