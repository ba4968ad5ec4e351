package io.socketdoctor.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which read of /proc may tell an event's kernel state, on a clock and tables driven here. The
 * tables a read sees are the kernel's at the moment the read begins: every connection that has
 * not failed yet is ESTABLISHED, one that was reset has no row (GONE). So a reset event that
 * gets ESTABLISHED was served by a read that began before its failure: the bug this guards
 * against (a read walks the kernel's hash for milliseconds, and rows copied before a reset that
 * happens during the rest of the walk still say ESTABLISHED).
 */
class KernelStateLookupTest {

    private static final long MS = 1_000_000L;
    private static final String HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    private static final int FIRST_PORT = 40000;

    /** A monotonic clock that moves only when told. Starts just short of overflow: comparisons must be wrap-safe. */
    private static final class FakeClock implements LongSupplier {
        long now = Long.MAX_VALUE - 400 * MS;

        @Override
        public long getAsLong() {
            return now;
        }
    }

    @TempDir
    Path dir;
    private Path net;
    private FakeClock clock;
    private KernelStateLookup lookup;

    /** The first read in a JVM loads classes (a CPU cost the read budget would count): pay it once, outside the tests. */
    @BeforeAll
    static void loadTheReadersClasses(@TempDir Path warm) throws Exception {
        Path tables = Files.createDirectories(warm.resolve("net"));
        Files.writeString(tables.resolve("tcp"), HEADER + row(0, FIRST_PORT));
        Files.writeString(tables.resolve("tcp6"), HEADER);
        KernelStateLookup warmUp = new KernelStateLookup(new KernelTcp(tables, warm.resolve("no-fd")));
        assertEquals("ESTABLISHED", warmUp.decorate(reset(FIRST_PORT, System.nanoTime() - MS)).tcp().state());
    }

    @BeforeEach
    void fakeProc() throws Exception {
        net = Files.createDirectories(dir.resolve("net"));
        clock = new FakeClock();
        tables(List.of());
        lookup = new KernelStateLookup(new KernelTcp(net, dir.resolve("no-fd"), clock));
    }

    /** The tables as the kernel would show them: an ESTABLISHED row for each of these client ports. */
    private void tables(List<Integer> established) throws Exception {
        StringBuilder tcp = new StringBuilder(HEADER);
        for (int i = 0; i < established.size(); i++) {
            tcp.append(row(i, established.get(i)));
        }
        Files.writeString(net.resolve("tcp"), tcp);
        Files.writeString(net.resolve("tcp6"), HEADER);
    }

    /** 127.0.0.1:port -> 127.0.0.1:8080, ESTABLISHED, 7 bytes unsent. */
    private static String row(int sl, int port) {
        return String.format("%4d: 0100007F:%04X 0100007F:1F90 01 00000007:00000000 00:00000000 00000000     0        0 %d"
                + " 1 0 20 4 30 10 -1\n", sl, port, 5000 + sl);
    }

    /**
     * A reset read on 127.0.0.1:port, the event made at {@code nanos}. Its wall-clock stamp is
     * 1970 on purpose: which read may serve it is decided on the monotonic clock alone.
     */
    private static Event reset(int port, long nanos) {
        return Event.of(Event.SOCKET_ERROR).at(Instant.EPOCH).errno("ECONNRESET", 104)
                .cause("peer_reset_read", "exact").call("read", "socket")
                .exception("java.net.SocketException", "Connection reset")
                .ends("127.0.0.1:" + port, "127.0.0.1:8080").texts("d.", "h.").thread("main").sites("x", null)
                .nanos(nanos).build();
    }

    private static String state(Event decorated) {
        return decorated.tcp() == null ? null : decorated.tcp().state();
    }

    @Test
    void aReadServesTheEventsMadeBeforeItBeganAndNoneMadeOnceItHadBegun() throws Exception {
        int a = FIRST_PORT;
        int b = FIRST_PORT + 1;
        int c = FIRST_PORT + 2;
        long t0 = clock.now;
        Event resetA = reset(a, t0); // a was reset at t0
        clock.now = t0 + MS;
        tables(List.of(b, c)); // what a read beginning at t0 + 1 ms copies: b and c not reset yet
        assertEquals(0, lookup.holdNanos(resetA), "the first read may come at once");
        assertEquals("GONE", state(lookup.decorate(resetA)));

        // That read goes on copying rows for 30 ms; b is reset 9 ms in, after its row was copied,
        // and c's event is made at the very nanosecond the read began: neither may be told by it.
        Event resetB = reset(b, t0 + 10 * MS);
        Event resetC = reset(c, t0 + MS);
        clock.now = t0 + 31 * MS;
        long holdB = lookup.holdNanos(resetB);
        assertTrue(holdB > 0, "held for a read that begins after it");
        assertTrue(lookup.holdNanos(resetC) > 0, "a read that began at the same instant did not begin after it");
        assertNull(lookup.decorate(resetB).tcp(), "no read allowed now: absent, not the ESTABLISHED the last read saw");
        assertNull(lookup.decorate(resetC).tcp());

        // The budget allows the next read: it begins after both resets, and serves both.
        tables(List.of());
        clock.now += holdB;
        assertEquals(0, lookup.holdNanos(resetB));
        assertEquals("GONE", state(lookup.decorate(resetB)));
        assertEquals(0, lookup.holdNanos(resetC), "one read serves every event made before it began");
        assertEquals("GONE", state(lookup.decorate(resetC)));
        // The budget's floor: a fifth of a second between two reads, however cheap.
        assertTrue(holdB >= 1_000_000_000L / KernelStateLookup.READS_PER_SECOND - 30 * MS, "hold " + holdB);
    }

    @Test
    void aReadBegunAtTheEventsOwnInstantDoesNotTellIt() throws Exception {
        tables(List.of(FIRST_PORT)); // what that read copies: the row as it was before the failure
        assertNull(lookup.decorate(reset(FIRST_PORT, clock.now)).tcp(), "the read did not begin strictly after it");
    }

    @Test
    void aStillOpenConnectionIsToldAsItIsWhenTheReadBeganAfterTheEvent() throws Exception {
        int port = FIRST_PORT + 7;
        Event warning = reset(port, clock.now); // e.g. a write after a reset seen before: the row may still be there
        clock.now += MS;
        tables(List.of(port));
        Event.TcpState tcp = lookup.decorate(warning).tcp();
        assertEquals("ESTABLISHED", tcp.state());
        assertEquals(7L, tcp.sendQueue());
    }

    @Test
    void aReadTooOldForTheReuseWindowServesNoMore() throws Exception {
        Event first = reset(FIRST_PORT, clock.now);
        clock.now += MS;
        assertEquals("GONE", state(lookup.decorate(first)));
        Event madeBefore = reset(FIRST_PORT + 1, clock.now - MS / 2); // before that read began
        clock.now += KernelStateLookup.REUSE_NANOS + MS;
        tables(List.of(FIRST_PORT + 1)); // the tables change: a new read would see ESTABLISHED
        assertEquals(0, lookup.holdNanos(madeBefore), "the budget allows a new read by now");
        assertEquals("ESTABLISHED", state(lookup.decorate(madeBefore)), "read again, not served by the stale read");
    }

    @Test
    void atExitTheHeldEventsGetOneMoreRead() throws Exception {
        clock.now += MS;
        assertEquals("GONE", state(lookup.decorate(reset(FIRST_PORT, clock.now - MS / 2))));
        Event late = reset(FIRST_PORT + 1, clock.now + MS);
        clock.now += 2 * MS;
        assertTrue(lookup.holdNanos(late) > 0);
        lookup.lastChance();
        assertEquals(0, lookup.holdNanos(late));
        assertEquals("GONE", state(lookup.decorate(late)));
    }

    /**
     * Hundreds of resets 1 to 5 ms apart, written by a writer that works like {@link EventSink}'s
     * (in order, the head held as long as the lookup asks, within {@link EventSink#MAX_HOLD_NANOS}
     * of its failure, drained half a millisecond before it acts), each read seeing the kernel's
     * tables at its start: no reset is ever told ESTABLISHED, every one made after a read began
     * is held and served GONE by a later read.
     */
    @Test
    void aBurstOfResetsIsNeverToldEstablished() throws Exception {
        Random random = new Random(15);
        int connections = 300;
        long start = clock.now;
        long[] failedAt = new long[connections];
        long at = start + 2 * MS;
        for (int i = 0; i < connections; i++) {
            at += MS + random.nextInt(4 * (int) MS) + MS / 4; // never on a whole millisecond: the writer's steps are
            failedAt[i] = at;
        }
        List<Event> made = new ArrayList<>();
        ArrayDeque<Event> held = new ArrayDeque<>();
        List<String> states = new ArrayList<>();
        boolean[] wasHeld = new boolean[connections];
        List<Integer> alive = new ArrayList<>();
        int next = 0; // the next connection to fail
        long end = failedAt[connections - 1] + 2 * EventSink.MAX_HOLD_NANOS;
        for (long now = start; now - end < 0; now += MS) { // bounded: about 3 s of simulated time in 1 ms steps
            clock.now = now;
            while (next < connections && failedAt[next] - now <= 0) {
                made.add(reset(FIRST_PORT + next, failedAt[next]));
                next++;
            }
            // The writer drains what was made up to half a millisecond ago.
            while (held.size() + states.size() < made.size()
                    && made.get(held.size() + states.size()).nanos() - (now - MS / 2) <= 0) {
                held.add(made.get(held.size() + states.size()));
            }
            alive.clear();
            for (int i = next; i < connections; i++) {
                alive.add(FIRST_PORT + i);
            }
            for (Event waiting : held) {
                if (lookup.holdNanos(waiting) > 0) {
                    wasHeld[port(waiting) - FIRST_PORT] = true;
                }
            }
            boolean tablesWritten = false;
            while (!held.isEmpty()) {
                Event head = held.peek();
                long hold = Math.min(lookup.holdNanos(head), EventSink.MAX_HOLD_NANOS - (now - head.nanos()));
                if (hold > 0) {
                    break;
                }
                if (!tablesWritten) {
                    tables(alive); // what a read beginning now would see
                    tablesWritten = true;
                }
                states.add(state(lookup.decorate(held.poll())));
            }
        }
        assertEquals(connections, states.size(), "every event written");
        int gone = 0;
        for (int i = 0; i < connections; i++) {
            assertTrue(states.get(i) == null || states.get(i).equals("GONE"),
                    "reset " + i + " told " + states.get(i) + ": served by a read that began before its failure");
            if ("GONE".equals(states.get(i))) {
                gone++;
            }
        }
        assertTrue(gone >= connections * 9 / 10, "most resets are told their state: " + gone + "/" + connections);
        int heldThenServed = 0;
        for (int i = 0; i < connections; i++) {
            if (wasHeld[i] && "GONE".equals(states.get(i))) {
                heldThenServed++;
            }
        }
        assertTrue(heldThenServed >= connections / 2,
                "resets made after a read began wait for the next: " + heldThenServed + "/" + connections);
    }

    private static int port(Event event) {
        return Integer.parseInt(event.local().substring(event.local().lastIndexOf(':') + 1));
    }
}
