package io.socketdoctor.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The census matches this process's CLOSE_WAIT sockets to tracked connections by both ends: a
 * connection that never read its EOF is reported once, by name, after closewait.after; one that
 * read it is left to the EOF path; only the sockets no record explains are counted.
 */
class CloseWaitCensusTest {

    private static final String HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    /** A row of /proc/net/tcp: 127.0.0.1:port -> 127.0.0.1:8080 in {@code state}, inode {@code inode}. */
    private static String row(int port, String state, long inode) {
        return String.format("   0: 0100007F:%04X 0100007F:1F90 %s 00000000:00000000 00:00000000 00000000     0"
                + "        0 %d 1 0 20 4 30 10 -1\n", port, state, inode);
    }

    @TempDir
    Path dir;

    private final List<Tracker.Notice> notices = new ArrayList<>();
    private final Map<Object, String[]> ends = new java.util.IdentityHashMap<>();
    private int addressReads;

    @Test
    void aConnectionThatNeverReadItsEofIsNamedOnceAndOnlyTheUnexplainedAreCounted() throws Exception {
        Path net = Files.createDirectories(dir.resolve("net"));
        // 40000: the pooled connection that never read; 40001: one that read its EOF; 40002: nobody's
        // record (an untracked socket of this process); 40003: another process's; 40004: established.
        Files.writeString(net.resolve("tcp"), HEADER + row(40000, "08", 101) + row(40001, "08", 102)
                + row(40002, "08", 103) + row(40003, "08", 999) + row(40004, "01", 104));
        Files.writeString(net.resolve("tcp6"), HEADER);
        Path fd = Files.createDirectories(dir.resolve("fd"));
        for (int inode = 101; inode <= 104; inode++) {
            Files.createSymbolicLink(fd.resolve(Integer.toString(inode)), Path.of("socket:[" + inode + "]"));
        }
        Config config = Config.parse("closewait.after=1s", new Properties(), Map.of());
        long[] clock = {1_000_000};
        ConnectionTable table = new ConnectionTable(slots -> { });
        Tracker tracker = new Tracker(table, new ConnectionStats(), new KernelTcp(net, fd), config, () -> clock[0]);
        tracker.wire(notices::add, this::read, () -> { });

        Object pooled = open(tracker, 40000, clock[0]);
        Object eofRead = open(tracker, 40001, clock[0]);
        Object established = open(tracker, 40004, clock[0]);
        tracker.onEvent(eofRead, Api.SOCKET, Op.READ, Bridge.PEER_EOF, null, null, () -> "Eof.read(Eof.java:1)", clock[0]);

        tracker.census(table.sweep(), clock[0]);
        assertEquals(List.of("close_wait_census"), types(), "only the socket nobody's record explains is counted");
        assertEquals(1, notices.get(0).figure());
        assertEquals(3, addressReads, "each tracked connection's ends read once");

        clock[0] += 999;
        tracker.census(table.sweep(), clock[0]);
        assertEquals(1, notices.size(), "not in CLOSE_WAIT for closewait.after yet, and the count did not rise");

        clock[0] += 1;
        tracker.census(table.sweep(), clock[0]);
        assertEquals(List.of("close_wait_census", "close_wait_leak"), types());
        Tracker.Notice leak = notices.get(1);
        assertEquals("close_wait_leak_unread", leak.note());
        assertSame(pooled, leak.record().get());
        assertEquals(1000, leak.figure(), "how long it has been seen in CLOSE_WAIT");
        assertEquals(Thread.currentThread().getName(), leak.record().openThread());

        clock[0] += 5000;
        tracker.census(table.sweep(), clock[0]);
        assertEquals(2, notices.size(), "reported once; the one that read its EOF is the EOF path's");
        assertEquals(3, addressReads, "the ends are kept, not read again");
        assertFalse(table.lookup(established).rareIfAny().procKey.isEmpty(), "an established one's ends are kept too");
    }

    @Test
    void withoutAnyCloseWaitSocketNoAddressIsRead() throws Exception {
        Path net = Files.createDirectories(dir.resolve("net"));
        Files.writeString(net.resolve("tcp"), HEADER + row(40004, "01", 104));
        Files.writeString(net.resolve("tcp6"), HEADER);
        long[] clock = {1_000_000};
        ConnectionTable table = new ConnectionTable(slots -> { });
        Tracker tracker = new Tracker(table, new ConnectionStats(), new KernelTcp(net, dir.resolve("no-fd")),
                Config.defaults(), () -> clock[0]);
        tracker.wire(notices::add, this::read, () -> { });
        Object connection = open(tracker, 40004, clock[0]);
        tracker.census(table.sweep(), clock[0]);
        assertEquals(0, addressReads);
        assertEquals(List.of(), notices);
        assertNull(table.lookup(connection).rareIfAny(), "nothing made for the census either");
    }

    @Test
    void theCensusFollowsAShortCloseWaitAfter() {
        assertEquals(10_000, Tracker.censusMillis(30_000));
        assertEquals(2_000, Tracker.censusMillis(2_000));
        assertEquals(1_000, Tracker.censusMillis(100));
    }

    private Object open(Tracker tracker, int port, long now) {
        Object socket = new Object();
        ends.put(socket, new String[] {"127.0.0.1:" + port, "127.0.0.1:8080"});
        tracker.onEvent(socket, Api.SOCKET, Op.CONNECT, Bridge.OPENED, null, null, () -> null, now);
        return socket;
    }

    private String[] read(Object connection) {
        addressReads++;
        return ends.get(connection);
    }

    private List<String> types() {
        return notices.stream().map(Tracker.Notice::type).toList();
    }
}
