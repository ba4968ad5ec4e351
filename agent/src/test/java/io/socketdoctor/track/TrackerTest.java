package io.socketdoctor.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracker's decisions, driven by hand on a fake clock without its thread: what an open, an
 * EOF, a reset, a close and a write do to a connection's record and to the counters; which of them
 * become notices, and only once; and when a connection that read its EOF is reported as a
 * CLOSE_WAIT leak, as the kernel's table (temp files in the /proc/net/tcp format) confirms it.
 */
class TrackerTest {

    private static final String HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private long[] published;
    private final ConnectionTable table = new ConnectionTable(slots -> published = slots);
    private final ConnectionStats stats = new ConnectionStats();
    private final List<Tracker.Notice> notices = new ArrayList<>();
    private final Map<Object, String[]> ends = new IdentityHashMap<>();
    private final long[] clock = {T0};

    /** A tracker with idle.after=60s and closewait.after=1s, reading the kernel's tables from {@code procNet}. */
    private Tracker tracker(Path procNet) throws Exception {
        Config config = Config.parse("idle.after=60s,closewait.after=1s", new Properties(), Map.of());
        Tracker tracker = new Tracker(table, stats, new KernelTcp(procNet, dir.resolve("no-fd")), config,
                () -> clock[0]);
        tracker.wire(notices::add, connection -> ends.get(connection), () -> { });
        table.tick(clock[0]);
        return tracker;
    }

    private Tracker tracker() throws Exception {
        return tracker(dir.resolve("no-proc"));
    }

    /** A table with one row, 127.0.0.1:40000 -> 127.0.0.1:8080 in {@code state} (hex, as the kernel writes it). */
    private Path procWith(String state) throws Exception {
        Path net = Files.createDirectories(dir.resolve("net-" + state));
        Files.writeString(net.resolve("tcp"), HEADER + "   0: 0100007F:9C40 0100007F:1F90 " + state
                + " 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1\n");
        Files.writeString(net.resolve("tcp6"), HEADER);
        return net;
    }

    private Object open(Tracker tracker, Op op) {
        Object socket = new Object();
        ends.put(socket, new String[] {"127.0.0.1:40000", "127.0.0.1:8080"});
        assertNull(tracker.onEvent(socket, Api.SOCKET, op, Bridge.OPENED, null, null,
                () -> "com.acme.Pool.open(Pool.java:7)", clock[0]));
        return socket;
    }

    private Tracker.Notice eof(Tracker tracker, Object socket) {
        return tracker.onEvent(socket, Api.SOCKET, Op.READ, Bridge.PEER_EOF, null, null,
                () -> "com.acme.Client.read(Client.java:12)", clock[0]);
    }

    private Tracker.Notice write(Tracker tracker, Object socket) {
        return tracker.onEvent(socket, Api.SOCKET, Op.WRITE, Bridge.WRITE_WARNING, null, null,
                () -> "com.acme.Client.send(Client.java:20)", clock[0]);
    }

    /** Whether the bridge would call the agent on this connection's next write. */
    private boolean armed(Object socket) {
        return published[Bridge.slotOf(published, socket) + Bridge.FLAGS] == Bridge.WARN_ON_WRITE;
    }

    @Test
    void anOpenIsCountedByDirectionAndRecordedWithItsThreadAndSiteAndACloseForgetsIt() throws Exception {
        Tracker tracker = tracker();
        Object client = open(tracker, Op.CONNECT);
        Object server = open(tracker, Op.ACCEPT);
        assertEquals(1, stats.openedCount(Api.SOCKET, ConnectionStats.Direction.CLIENT));
        assertEquals(1, stats.openedCount(Api.SOCKET, ConnectionStats.Direction.SERVER));
        ConnectionRecord r = tracker.lookup(client);
        assertEquals(ConnectionStats.Direction.CLIENT, r.direction());
        assertEquals(ConnectionStats.Direction.SERVER, tracker.lookup(server).direction());
        assertEquals(T0, r.openedAt);
        assertEquals(Thread.currentThread().getName(), r.openThread());
        assertEquals("com.acme.Pool.open(Pool.java:7)", r.openSite());

        assertNull(tracker.onEvent(client, Api.SOCKET, Op.CLOSE, Bridge.CLOSED, null, null, () -> null, clock[0]));
        assertEquals(1, stats.closedCount(Api.SOCKET));
        assertNull(tracker.lookup(client));
        assertEquals(1, table.size(), "the server's connection is still tracked");
    }

    @Test
    void aWriteAfterTheEofIsWarnedOnceAndTheBridgeStopsAsking() throws Exception {
        Tracker tracker = tracker();
        Object socket = open(tracker, Op.CONNECT);
        assertFalse(armed(socket), "nothing to warn about yet");
        assertNull(write(tracker, socket), "a write before any EOF is no warning");

        clock[0] += 100;
        assertNull(eof(tracker, socket), "an EOF 0.1 s after the open is no stale connection");
        ConnectionRecord r = tracker.lookup(socket);
        assertEquals(T0 + 100, r.eofAt());
        assertEquals("com.acme.Client.read(Client.java:12)", r.eofSite());
        assertEquals(1, stats.peerEofCount(Api.SOCKET));
        assertTrue(armed(socket), "the next write calls the agent");

        Tracker.Notice warning = write(tracker, socket);
        assertNotNull(warning);
        assertEquals("write_after_peer_close", warning.type());
        assertEquals(Op.WRITE, warning.op());
        assertSame(r, warning.record());
        assertEquals("com.acme.Client.send(Client.java:20)", warning.site());
        assertFalse(armed(socket), "warned once: later writes cost nothing");
        assertNull(write(tracker, socket));

        clock[0] += 100;
        assertNull(eof(tracker, socket), "a repeated EOF read");
        assertEquals(T0 + 100, r.eofAt(), "the first EOF is kept");
        assertEquals(1, stats.peerEofCount(Api.SOCKET));
        assertFalse(armed(socket), "a repeated EOF does not warn again");
    }

    @Test
    void aResetIsRememberedAndItsWriteIsWarnedOnceEvenAfterAnEof() throws Exception {
        Tracker tracker = tracker();
        Object socket = open(tracker, Op.CONNECT);
        ConnectionRecord r = tracker.lookup(socket);

        tracker.failed(r, "ECONNREFUSED", clock[0]);
        assertEquals(0, r.resetAt(), "not a reset");
        assertFalse(armed(socket));

        clock[0] += 50;
        assertNull(eof(tracker, socket));
        clock[0] += 50;
        tracker.failed(r, "ECONNRESET", clock[0]);
        assertEquals(T0 + 100, r.resetAt());
        assertEquals("ECONNRESET", r.resetErrno());
        tracker.failed(r, "EPIPE", clock[0] + 10);
        assertEquals("ECONNRESET", r.resetErrno(), "the first reset is kept");
        assertTrue(armed(socket));

        Tracker.Notice warning = write(tracker, socket);
        assertEquals("write_after_reset", warning.type(), "the reset says more than the EOF before it");
        assertFalse(armed(socket));
        assertNull(write(tracker, socket), "neither warning comes again");
    }

    @Test
    void anEofAfterTheConnectionSatIdleIsAStaleConnectionWithItsQuietPeriod() throws Exception {
        Tracker tracker = tracker();
        Object socket = open(tracker, Op.CONNECT);
        clock[0] += 61_000;
        Tracker.Notice stale = eof(tracker, socket);
        assertNotNull(stale, "idle 61 s, idle.after=60s");
        assertEquals("stale_connection", stale.type());
        assertEquals(Op.READ, stale.op());
        assertEquals(61_000, stale.figure());
        assertEquals("com.acme.Client.read(Client.java:12)", stale.site());

        Object busy = open(tracker, Op.CONNECT);
        clock[0] += 59_999;
        assertNull(eof(tracker, busy), "idle just under idle.after");
    }

    @Test
    void freshAcceptAndIdleAreDecidedFromTheOpenAndTheBridgesStamps() throws Exception {
        Tracker tracker = tracker();
        Object accepted = open(tracker, Op.ACCEPT);
        Object connected = open(tracker, Op.CONNECT);
        ConnectionRecord server = tracker.lookup(accepted);
        assertTrue(tracker.freshAccept(server, T0 + 2000));
        assertFalse(tracker.freshAccept(server, T0 + 2001), "2 s after the accept");
        assertFalse(tracker.freshAccept(tracker.lookup(connected), T0), "a client connection");

        assertFalse(tracker.idle(server, T0 + 59_999));
        assertTrue(tracker.idle(server, T0 + 60_000));
        table.tick(T0 + 30_000);
        published[Bridge.slotOf(published, accepted) + Bridge.LAST_READ] = T0 + 30_000; // what Bridge.read does
        assertFalse(tracker.freshAccept(server, T0 + 1000), "something was read");
        assertFalse(tracker.idle(server, T0 + 60_000), "read 30 s ago");
        assertTrue(tracker.idle(server, T0 + 90_000));
    }

    @Test
    void theWarmUpsConnectionIsNeverCountedInTheRealStats() throws Exception {
        Tracker tracker = tracker();
        Object fake = new Object();
        tracker.warmUpWith(fake);
        tracker.onEvent(fake, Api.SOCKET, Op.CONNECT, Bridge.OPENED, null, null, () -> null, clock[0]);
        eof(tracker, fake);
        assertEquals(0, stats.openedCount(Api.SOCKET, ConnectionStats.Direction.CLIENT));
        assertEquals(0, stats.peerEofCount(Api.SOCKET));
    }

    @Test
    void anEofReadButNeverClosedIsOneLeakOnceTheKernelShowsCloseWaitForCloseWaitAfter() throws Exception {
        Tracker tracker = tracker(procWith("08"));
        Object socket = open(tracker, Op.CONNECT);
        clock[0] += 100;
        eof(tracker, socket);

        tracker.findLeaks(table.sweep(), clock[0] + 999);
        assertEquals(List.of(), notices, "closewait.after is 1 s");
        tracker.findLeaks(table.sweep(), clock[0] + 1000);
        assertEquals(1, notices.size());
        Tracker.Notice leak = notices.get(0);
        assertEquals("close_wait_leak", leak.type());
        assertEquals(Op.CLOSE, leak.op());
        assertSame(socket, leak.record().get());
        assertEquals("com.acme.Client.read(Client.java:12)", leak.site(), "where the EOF was read");
        assertEquals(1, stats.closeWaitLeakCount());

        tracker.findLeaks(table.sweep(), clock[0] + 5000);
        assertEquals(1, notices.size(), "reported once");
        assertEquals(1, stats.closeWaitLeakCount());
    }

    @Test
    void theKernelClearsAConnectionThatIsNotInCloseWaitAndAMissingProcLeavesItUnconfirmed() throws Exception {
        Tracker established = tracker(procWith("01"));
        Object open = open(established, Op.CONNECT);
        eof(established, open);
        established.findLeaks(List.of(table.lookup(open)), clock[0] + 1000);
        assertEquals(List.of(), notices, "ESTABLISHED in the kernel's table: no leak");

        Path noRow = Files.createDirectories(dir.resolve("no-row"));
        Files.writeString(noRow.resolve("tcp"), HEADER);
        Tracker gone = tracker(noRow);
        Object other = open(gone, Op.CONNECT);
        eof(gone, other);
        gone.findLeaks(List.of(table.lookup(other)), clock[0] + 1000);
        assertEquals(List.of(), notices, "no row: the kernel already dropped it");
        assertEquals(0, stats.closeWaitLeakCount());

        Tracker blind = tracker();
        Object third = open(blind, Op.CONNECT);
        eof(blind, third);
        blind.findLeaks(List.of(table.lookup(third)), clock[0] + 1000);
        assertEquals(1, notices.size(), "without /proc the leak is reported, unconfirmed");
        assertSame(third, notices.get(0).record().get());
    }

    @Test
    void sitesAreCapturedWithinTheirBurstOnly() throws Exception {
        Tracker tracker = tracker();
        List<Object> sockets = new ArrayList<>();
        for (int i = 0; i <= Tracker.SITE_BURST; i++) {
            sockets.add(open(tracker, Op.CONNECT));
        }
        assertEquals("com.acme.Pool.open(Pool.java:7)", tracker.lookup(sockets.get(Tracker.SITE_BURST - 1)).openSite());
        assertNull(tracker.lookup(sockets.get(Tracker.SITE_BURST)).openSite(), "past the burst: no stack taken");
    }
}
