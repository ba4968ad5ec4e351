package io.socketdoctor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** A failure follows a root only on the same connection and within the window; nothing unrelated is linked. */
class ConsequencesTest {

    @Test
    void aFailureOnTheSameConnectionWithinTheWindowFollowsTheRoot() {
        Consequences c = new Consequences();
        Object channel = new Object();
        c.remember(channel, "ECONNREFUSED", "refused", "refused", 1_000);
        Consequences.Root root = c.rootOf(channel, 1_000 + 3_000_000);
        assertNotNull(root);
        assertEquals("refused", root.kind());
        assertEquals("ECONNREFUSED", root.errno());
    }

    @Test
    void anotherConnectionOrALaterFailureIsItsOwnStory() {
        Consequences c = new Consequences();
        Object channel = new Object();
        c.remember(channel, "ECONNRESET", "peer_reset_read", "reset", 0);
        assertNull(c.rootOf(new Object(), 1), "another connection");
        assertNull(c.rootOf(channel, Consequences.WINDOW_NANOS + 1), "after the window");
        assertNull(c.rootOf(null, 1));
    }

    @Test
    void theNewestRootOfASlotWinsAndNeverLinksAStranger() {
        Consequences c = new Consequences();
        Object[] connections = new Object[2000];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new Object();
            c.remember(connections[i], "ECONNREFUSED", "refused", "refused", i);
        }
        int linked = 0;
        for (Object connection : connections) {
            Consequences.Root root = c.rootOf(connection, 2000);
            if (root != null) {
                linked++;
                assertEquals(connection, root.connection().get());
            }
        }
        assertEquals(true, linked > 0 && linked <= 256, "bounded: " + linked);
    }
}
