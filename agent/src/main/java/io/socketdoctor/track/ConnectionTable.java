package io.socketdoctor.track;

import static io.socketdoctor.bootstrap.Bridge.CLOCK;
import static io.socketdoctor.bootstrap.Bridge.FIRST_SLOT;
import static io.socketdoctor.bootstrap.Bridge.FLAGS;
import static io.socketdoctor.bootstrap.Bridge.KEY;
import static io.socketdoctor.bootstrap.Bridge.LAST_READ;
import static io.socketdoctor.bootstrap.Bridge.LAST_WRITE;
import static io.socketdoctor.bootstrap.Bridge.MAX_PROBES;
import static io.socketdoctor.bootstrap.Bridge.SLOT_WIDTH;
import static io.socketdoctor.bootstrap.Bridge.TOMBSTONE;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import java.util.ArrayList;
import java.util.List;

/**
 * Every tracked connection, in an open-addressing table keyed by the socket's identity hash.
 *
 * <p>The {@code long[]} is shared with the bridge inside {@code java.base}, which stamps read and
 * write times into it on the application's threads without a call, a lock or an allocation (see
 * {@link Bridge#read}). This class fills and empties it: registering and removing take a lock
 * (connect, accept and close are rare next to reads and writes), lookups do not. The table starts
 * at {@value #INITIAL_SLOTS} slots and doubles up to {@value #MAX_SLOTS}; beyond that,
 * connections are counted as untracked and still diagnosed without history. Memory is bounded by
 * that maximum whatever the connection count.
 */
public final class ConnectionTable {

    static final int INITIAL_SLOTS = 1024;
    static final int MAX_SLOTS = 1 << 16;

    /** The table and its records, swapped together when the table grows. */
    private static final class State {
        final long[] slots;
        final ConnectionRecord[] records;

        State(int capacity) {
            slots = new long[FIRST_SLOT + capacity * SLOT_WIDTH];
            records = new ConnectionRecord[capacity];
        }
    }

    /** Receives each new table so the bridge stamps the current one. */
    public interface Publisher {
        void publish(long[] table);
    }

    private final Publisher publisher;
    private volatile State state;
    private int used; // live + tombstones, under the lock
    private int live;

    public ConnectionTable(Publisher publisher) {
        this.publisher = publisher;
        this.state = new State(INITIAL_SLOTS);
        publisher.publish(state.slots);
    }

    /** The coarse clock the bridge stamps with; ticked by the tracker thread. */
    public void tick(long nowMillis) {
        state.slots[CLOCK] = nowMillis;
    }

    /** The record of this connection, or null if it is not tracked. Lock-free. */
    public ConnectionRecord lookup(Object connection) {
        State s = state;
        int at = Bridge.slotOf(s.slots, connection);
        if (at < 0) {
            return null;
        }
        ConnectionRecord r = s.records[(at - FIRST_SLOT) / SLOT_WIDTH];
        return r != null && r.get() == connection ? r : null;
    }

    /**
     * Tracks a connection (idempotent: a second registration returns the first record).
     *
     * @return its record, or null if the table is full
     */
    public ConnectionRecord register(Object connection, Api api, ConnectionStats.Direction direction,
                                     long nowMillis, String local, String remote) {
        return register(connection, api, direction, nowMillis, local, remote, null);
    }

    /**
     * Tracks a connection opened by the thread named {@code openThread} (idempotent: a second
     * registration returns the first record).
     *
     * @return its record, or null if the table is full
     */
    public synchronized ConnectionRecord register(Object connection, Api api, ConnectionStats.Direction direction,
                                                  long nowMillis, String local, String remote, String openThread) {
        int at = Bridge.slotOf(state.slots, connection);
        if (at >= 0) {
            ConnectionRecord existing = state.records[(at - FIRST_SLOT) / SLOT_WIDTH];
            if (existing != null && existing.get() == connection) {
                return existing;
            }
            // Another live socket has the same identity hash: the bridge could not tell them apart,
            // so this one goes untracked rather than mixing the two histories.
            return null;
        }
        // Keep the table at most half used (live + tombstones), so probe chains stay short.
        int capacity = capacity(state);
        if ((used + 1) * 2 > capacity) {
            int wanted = (live + 1) * 2 > capacity ? capacity * 2 : capacity; // grow, or just drop tombstones
            if (wanted > MAX_SLOTS || !rehash(wanted)) {
                return null;
            }
        }
        ConnectionRecord record = new ConnectionRecord(connection, System.identityHashCode(connection), api,
                direction, nowMillis, local, remote, openThread);
        // A probe window can fill up before the table is half full: then grow and try again.
        while (!place(state, record)) {
            if (capacity(state) * 2 > MAX_SLOTS || !rehash(capacity(state) * 2)) {
                return null;
            }
        }
        used++;
        live++;
        return record;
    }

    /** Stops tracking a connection; returns its record, or null if it was not tracked. */
    public synchronized ConnectionRecord remove(Object connection) {
        ConnectionRecord r = lookup(connection);
        if (r != null) {
            free(state, r);
        }
        return r;
    }

    /** Frees the slots of sockets the application dropped without closing; returns the live records. */
    public synchronized List<ConnectionRecord> sweep() {
        List<ConnectionRecord> alive = new ArrayList<>(live);
        State s = state;
        for (ConnectionRecord r : s.records) {
            if (r == null) {
                continue;
            }
            if (r.collected()) {
                free(s, r);
            } else {
                alive.add(r);
            }
        }
        return alive;
    }

    public long lastRead(ConnectionRecord r) {
        return slotValue(r, LAST_READ);
    }

    public long lastWrite(ConnectionRecord r) {
        return slotValue(r, LAST_WRITE);
    }

    /** Arms or disarms the bridge's "warn on the next write" for this connection. */
    public void warnOnWrite(ConnectionRecord r, boolean on) {
        State s = state;
        int at = r.slot;
        if (at > 0 && at < s.slots.length && s.records[(at - FIRST_SLOT) / SLOT_WIDTH] == r) {
            s.slots[at + FLAGS] = on ? Bridge.WARN_ON_WRITE : 0;
        }
    }

    public synchronized int size() {
        return live;
    }

    public int capacity() {
        return capacity(state);
    }

    private long slotValue(ConnectionRecord r, int field) {
        State s = state;
        int at = r.slot;
        if (at > 0 && at < s.slots.length && s.records[(at - FIRST_SLOT) / SLOT_WIDTH] == r) {
            return s.slots[at + field];
        }
        return 0;
    }

    private static int capacity(State s) {
        return s.records.length;
    }

    private boolean place(State s, ConnectionRecord r) {
        int mask = capacity(s) - 1;
        long key = r.key();
        int index = (int) key & mask;
        for (int probe = 0; probe < MAX_PROBES; probe++) {
            int i = (index + probe) & mask;
            int at = FIRST_SLOT + i * SLOT_WIDTH;
            long k = s.slots[at + KEY];
            if (k == 0 || k == TOMBSTONE) {
                s.records[i] = r;
                r.slot = at;
                s.slots[at + LAST_READ] = 0;
                s.slots[at + LAST_WRITE] = 0;
                s.slots[at + FLAGS] = 0;
                s.slots[at + KEY] = key; // last: the bridge only sees a complete slot
                return true;
            }
        }
        return false;
    }

    private static int oldSlot(State old, ConnectionRecord r) {
        for (int i = 0; i < old.records.length; i++) {
            if (old.records[i] == r) {
                return FIRST_SLOT + i * SLOT_WIDTH;
            }
        }
        return -1;
    }

    private void free(State s, ConnectionRecord r) {
        int i = (r.slot - FIRST_SLOT) / SLOT_WIDTH;
        if (i >= 0 && i < s.records.length && s.records[i] == r) {
            s.records[i] = null;
            live--;
            int mask = s.records.length - 1;
            if (s.slots[FIRST_SLOT + ((i + 1) & mask) * SLOT_WIDTH + KEY] != 0) {
                s.slots[r.slot + KEY] = TOMBSTONE; // a probe chain goes on past this slot
                return;
            }
            // The chain ends here: empty this slot and the tombstones right before it, so that a
            // table with constant churn stays clean instead of filling with tombstones.
            for (int j = i; s.slots[FIRST_SLOT + j * SLOT_WIDTH + KEY] != 0 && s.records[j] == null;
                 j = (j - 1) & mask) {
                s.slots[FIRST_SLOT + j * SLOT_WIDTH + KEY] = 0;
                used--;
            }
        }
    }

    /** Moves the live records into a new table of {@code capacity} slots; false if they do not fit. */
    private boolean rehash(int capacity) {
        State old = state;
        State next = new State(capacity);
        next.slots[CLOCK] = old.slots[CLOCK];
        List<ConnectionRecord> moved = new ArrayList<>(live);
        for (ConnectionRecord r : old.records) {
            if (r == null || r.collected()) {
                continue;
            }
            int from = r.slot;
            if (!place(next, r)) {
                for (ConnectionRecord back : moved) { // keep the old table as it was
                    back.slot = oldSlot(old, back);
                }
                r.slot = from;
                return false;
            }
            next.slots[r.slot + LAST_READ] = old.slots[from + LAST_READ];
            next.slots[r.slot + LAST_WRITE] = old.slots[from + LAST_WRITE];
            next.slots[r.slot + FLAGS] = old.slots[from + FLAGS];
            moved.add(r);
        }
        state = next;
        used = moved.size();
        live = moved.size();
        publisher.publish(next.slots);
        return true;
    }
}
