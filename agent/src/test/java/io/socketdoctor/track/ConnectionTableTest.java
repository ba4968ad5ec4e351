package io.socketdoctor.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The table the bridge stamps: the agent's side (register, lookup, remove, grow, sweep) and the
 * bridge's side ({@link Bridge#slotOf}) must agree on where each connection lives.
 */
class ConnectionTableTest {

    private long[] published;
    private final ConnectionTable table = new ConnectionTable(slots -> published = slots);

    private ConnectionRecord register(Object connection) {
        return table.register(connection, Api.SOCKET, ConnectionStats.Direction.CLIENT, 1000, "127.0.0.1:1", "127.0.0.1:2");
    }

    @Test
    void aRegisteredConnectionIsFoundByTheBridgeAndTheAgent() {
        Object connection = new Object();
        ConnectionRecord r = register(connection);
        assertSame(r, table.lookup(connection));
        assertSame(r, register(connection), "registering twice returns the first record");
        int slot = Bridge.slotOf(published, connection);
        assertTrue(slot > 0);
        table.tick(5000);
        published[slot + Bridge.LAST_READ] = published[Bridge.CLOCK]; // what Bridge.read does
        assertEquals(5000, table.lastRead(r));
        assertEquals(0, table.lastWrite(r));
        assertNull(table.lookup(new Object()));
    }

    @Test
    void removingFreesTheSlotAndLaterLookupsGoOnPastIt() {
        List<Object> connections = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Object c = new Object();
            connections.add(c);
            assertNotNull(register(c));
        }
        for (int i = 0; i < 300; i += 2) {
            assertNotNull(table.remove(connections.get(i)));
        }
        assertEquals(150, table.size());
        for (int i = 1; i < 300; i += 2) {
            assertNotNull(table.lookup(connections.get(i)), "still found past a tombstone: " + i);
        }
        assertNull(table.lookup(connections.get(0)));
        assertEquals(-1, Bridge.slotOf(published, connections.get(0)));
    }

    @Test
    void theTableGrowsKeepsTimesAndPublishesTheNewArray() {
        Object first = new Object();
        ConnectionRecord r = register(first);
        table.tick(7000);
        published[Bridge.slotOf(published, first) + Bridge.LAST_WRITE] = 7000;
        long[] before = published;
        List<Object> keep = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Object c = new Object();
            keep.add(c);
            register(c);
        }
        assertTrue(table.capacity() >= 4096, "capacity " + table.capacity());
        assertTrue(published != before, "the bridge got the new table");
        assertEquals(7000, table.lastWrite(r), "stamps survive the move");
        assertEquals(7000, published[Bridge.CLOCK], "so does the clock");
        for (Object c : keep) {
            assertNotNull(table.lookup(c));
        }
    }

    @Test
    void theTableNeverGrowsPastItsMaximum() {
        List<Object> keep = new ArrayList<>();
        int tracked = 0;
        for (int i = 0; i < ConnectionTable.MAX_SLOTS; i++) {
            Object c = new Object();
            keep.add(c);
            if (register(c) != null) {
                tracked++;
            }
        }
        assertEquals(ConnectionTable.MAX_SLOTS, table.capacity());
        assertTrue(tracked <= ConnectionTable.MAX_SLOTS / 2 && tracked > ConnectionTable.MAX_SLOTS / 4, "tracked " + tracked);
        assertEquals(tracked, table.size());
    }

    @Test
    void sweepingFreesConnectionsTheApplicationDropped() throws Exception {
        Object kept = new Object();
        register(kept);
        for (int i = 0; i < 100; i++) {
            register(new Object()); // dropped at once
        }
        for (int attempt = 0; attempt < 50 && table.sweep().size() > 1; attempt++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(1, table.size());
        assertNotNull(table.lookup(kept));
    }
}
