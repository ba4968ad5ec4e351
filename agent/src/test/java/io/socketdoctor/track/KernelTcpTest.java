package io.socketdoctor.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/net/tcp parsing against tables written here, in the kernel's exact format. */
class KernelTcpTest {

    private static final String HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    @TempDir
    Path dir;

    private KernelTcp kernel(String tcp, String tcp6) throws Exception {
        Path net = Files.createDirectories(dir.resolve("net"));
        Files.writeString(net.resolve("tcp"), HEADER + tcp);
        Files.writeString(net.resolve("tcp6"), HEADER + tcp6);
        Path fd = Files.createDirectories(dir.resolve("fd"));
        Files.createSymbolicLink(fd.resolve("7"), Path.of("socket:[4242]"));
        Files.createSymbolicLink(fd.resolve("8"), Path.of("socket:[4343]"));
        Files.createSymbolicLink(fd.resolve("9"), Path.of("/dev/null"));
        return new KernelTcp(net, fd);
    }

    // 127.0.0.1:40000 -> 127.0.0.1:8080 in CLOSE_WAIT with 5 bytes unread (rx 0x5), inode 4242
    private static final String V4 =
            "   0: 0100007F:9C40 0100007F:1F90 08 00000000:00000005 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1\n";
    // ::ffff:127.0.0.1:40001 -> ::ffff:127.0.0.1:8080 ESTABLISHED, inode 4343 (a Java dual-stack socket)
    private static final String V4_MAPPED =
            "   0: 0000000000000000FFFF00000100007F:9C41 0000000000000000FFFF00000100007F:1F90 01 "
            + "0000000A:00000000 00:00000000 00000000     0        0 4343 1 0 20 4 30 10 -1\n";
    // [::1]:40002 -> [::1]:8080 FIN_WAIT2, inode 9999 (not ours)
    private static final String V6 =
            "   1: 00000000000000000000000001000000:9C42 00000000000000000000000001000000:1F90 05 "
            + "00000000:00000000 00:00000000 00000000     0        0 9999 1 0 20 4 30 10 -1\n";

    /** One look-up in a fresh snapshot; null when there is none to read. */
    private static KernelTcp.Row find(KernelTcp k, String local, String remote) {
        KernelTcp.Snapshot snapshot = k.snapshot();
        return snapshot == null ? null : snapshot.find(local, remote);
    }

    @Test
    void findsIpv4IpvMappedAndIpv6Rows() throws Exception {
        KernelTcp k = kernel(V4, V4_MAPPED + V6);
        KernelTcp.Row v4 = find(k, "127.0.0.1:40000", "127.0.0.1:8080");
        assertEquals("CLOSE_WAIT", v4.state());
        assertEquals(5, v4.receiveQueue());
        assertEquals(0, v4.sendQueue());
        KernelTcp.Row mapped = find(k, "127.0.0.1:40001", "127.0.0.1:8080");
        assertEquals("ESTABLISHED", mapped.state());
        assertEquals(10, mapped.sendQueue());
        assertEquals("FIN_WAIT2", find(k, "[::1]:40002", "[::1]:8080").state());
    }

    @Test
    void aConnectionTheKernelDroppedIsGoneAndUnknownInputIsNull() throws Exception {
        KernelTcp k = kernel(V4, V6);
        assertSame(KernelTcp.GONE, find(k, "127.0.0.1:40000", "127.0.0.1:9090"));
        assertNull(find(k, null, "127.0.0.1:8080"));
        assertNull(find(k, "db.example:5432", "127.0.0.1:8080"), "names are never looked up");
    }

    @Test
    void aSnapshotFindsEveryRowOfALargeTableByItsIndex() throws Exception {
        // 3000 connections 127.0.0.1:(20000+i) -> 127.0.0.1:8080, the state cycling through 1..11; lower-case
        // hex in every third row (the index compares hex digits upper-cased, as the kernel writes them).
        StringBuilder tcp = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            String row = String.format("%4d: 0100007F:%04X 0100007F:1F90 %02X 00000000:%08X 00:00000000 00000000     0"
                    + "        0 %d 1 0 20 4 30 10 -1\n", i, 20000 + i, 1 + i % 11, i, 100000 + i);
            tcp.append(i % 3 == 0 ? row.toLowerCase(java.util.Locale.ROOT) : row);
        }
        KernelTcp.Snapshot snapshot = kernel(tcp.toString(), V6).snapshot();
        String[] states = {"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
            "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};
        for (int i = 0; i < 3000; i++) {
            KernelTcp.Row row = snapshot.find("127.0.0.1:" + (20000 + i), "127.0.0.1:8080");
            assertEquals(states[i % 11], row.state(), "row " + i);
            assertEquals(i, row.receiveQueue(), "row " + i);
            assertEquals(100000 + i, row.inode(), "row " + i);
        }
        assertSame(KernelTcp.GONE, snapshot.find("127.0.0.1:23000", "127.0.0.1:8080"));
        assertSame(KernelTcp.GONE, snapshot.find("127.0.0.1:8080", "127.0.0.1:20000"), "the ends reversed");
        assertEquals("FIN_WAIT2", snapshot.find("[::1]:40002", "[::1]:8080").state());
    }

    @Test
    void theCensusCountsOnlyThisProcessesSockets() throws Exception {
        KernelTcp k = kernel(V4, V4_MAPPED + V6);
        assertEquals(Map.of("CLOSE_WAIT", 1, "ESTABLISHED", 1), k.census());
    }

    @Test
    void closeWaitCountsOnlyThisProcessesSocketsAndListsDescriptorsOnlyWhenNeeded() throws Exception {
        // inode 4242 (ours) is in CLOSE_WAIT; a CLOSE_WAIT row of another process (inode 7777) is not counted
        String otherCloseWait = V4.replace(":9C40", ":9C44").replace(" 4242 ", " 7777 ");
        assertEquals(1, kernel(V4 + otherCloseWait, V4_MAPPED + V6).closeWaitCount());
        // no CLOSE_WAIT row at all: 0 without looking at the descriptors (here: a missing fd directory)
        Path net = dir.resolve("net");
        Files.writeString(net.resolve("tcp"), HEADER + V4_MAPPED.replace(" 01 ", " 0A "));
        assertEquals(0, new KernelTcp(net, dir.resolve("no-fd")).closeWaitCount());
        // a CLOSE_WAIT row but no readable descriptors: unknown, not 0
        Files.writeString(net.resolve("tcp"), HEADER + V4);
        assertEquals(-1, new KernelTcp(net, dir.resolve("no-fd")).closeWaitCount());
        assertEquals(-1, new KernelTcp(dir.resolve("missing"), dir.resolve("no-fd")).closeWaitCount());
    }

    @Test
    void closeWaitRowsListThisProcessesPairsInOneFormForBothTables() throws Exception {
        String otherCloseWait = V4.replace(":9C40", ":9C44").replace(" 4242 ", " 7777 ");
        String mappedCloseWait = V4_MAPPED.replace(" 01 ", " 08 ");
        KernelTcp.CloseWaitRows rows = kernel(V4 + otherCloseWait, mappedCloseWait + V6).closeWaitRows();
        assertEquals(2, rows.count(), "ours only: inode 4242 (tcp) and 4343 (tcp6, v4-mapped)");
        assertEquals(java.util.Set.of(KernelTcp.pairKey("127.0.0.1:40000", "127.0.0.1:8080"),
                KernelTcp.pairKey("127.0.0.1:40001", "127.0.0.1:8080")), rows.pairs());
        assertNull(KernelTcp.pairKey("db.example:5432", "127.0.0.1:8080"), "names are never looked up");
        assertEquals("00000000000000000000000001000000:9C42 00000000000000000000000001000000:1F90",
                KernelTcp.pairKey("[::1]:40002", "[::1]:8080"));
        // no CLOSE_WAIT row: none, without listing the descriptors; unreadable tables: unknown
        Path net = dir.resolve("net");
        Files.writeString(net.resolve("tcp"), HEADER + V4_MAPPED);
        Files.writeString(net.resolve("tcp6"), HEADER + V6);
        assertEquals(0, new KernelTcp(net, dir.resolve("no-fd")).closeWaitRows().count());
        Files.writeString(net.resolve("tcp"), HEADER + V4);
        assertNull(new KernelTcp(net, dir.resolve("no-fd")).closeWaitRows());
        assertNull(new KernelTcp(dir.resolve("missing"), dir.resolve("no-fd")).closeWaitRows());
    }

    /** The real kernel: a socket whose peer closed and that this JVM keeps open is counted. */
    @Test
    void closeWaitCountSeesARealCloseWaitSocketOfThisJvm() throws Exception {
        KernelTcp real = new KernelTcp();
        org.junit.jupiter.api.Assumptions.assumeTrue(real.available(), "no /proc/net/tcp here");
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             java.net.Socket client = new java.net.Socket(server.getInetAddress(), server.getLocalPort())) {
            int before = real.closeWaitCount();
            server.accept().close(); // the peer's FIN: the client's socket goes to CLOSE_WAIT
            int after = before;
            for (int i = 0; i < 50 && after <= before; i++) {
                Thread.sleep(20);
                after = real.closeWaitCount();
            }
            assertTrue(before >= 0, "readable: " + before);
            // Not before + 1 exactly: a socket an earlier test left in CLOSE_WAIT may be collected meanwhile.
            assertTrue(after >= 1, "the client socket in CLOSE_WAIT, counted: before " + before + ", after " + after);
            String local = "127.0.0.1:" + client.getLocalPort();
            String remote = "127.0.0.1:" + server.getLocalPort();
            assertEquals("CLOSE_WAIT", find(real, local, remote).state(), "the kernel's own row for it");
        }
    }

    @Test
    void theCensusScanSkipsTheHeaderTimeWaitRowsAndTakesALastLineWithoutNewline() {
        String header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        // TIME_WAIT rows have no socket, so inode 0; the last row has no line break.
        String timeWait = "   2: 0100007F:9C43 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0\n";
        String last = V4.substring(0, V4.length() - 1);
        int[] perState = new int[13];
        assertTrue(TcpRows.countOurs((header + timeWait + last).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                new long[] {0, 4242}, perState, System.nanoTime() + 1_000_000_000L));
        assertEquals(1, perState[8], "the CLOSE_WAIT row (inode 4242)");
        assertEquals(0, perState[6], "inode 0 is never one of ours");
        assertTrue(TcpRows.countOurs(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII), new long[0],
                new int[13], System.nanoTime() + 1_000_000_000L));
    }

    @Test
    void withoutProcEverythingIsUnknown() {
        KernelTcp k = new KernelTcp(dir.resolve("missing"), dir.resolve("missing-fd"));
        assertTrue(k.census().isEmpty());
        assertNull(find(k, "127.0.0.1:1", "127.0.0.1:2"));
    }

    /**
     * A table that cannot be read (missing; masked with an empty file, as runtimes mask /proc
     * paths with /dev/null; a directory) makes the kernel's view unavailable for good: every answer
     * is "unknown", never GONE or 0 (an empty table would say every connection is gone), the
     * problem names the file, and nothing is read again, even once a valid table is back.
     */
    @Test
    void anUnreadableTableIsUnknownForGoodAndNamed() throws Exception {
        Path net = Files.createDirectories(dir.resolve("masked"));
        Files.writeString(net.resolve("tcp"), ""); // what a bind mount of /dev/null reads as
        Files.writeString(net.resolve("tcp6"), "");
        KernelTcp k = new KernelTcp(net, dir.resolve("no-fd"));
        assertTrue(k.available(), "nothing read yet");
        assertNull(find(k, "127.0.0.1:40000", "127.0.0.1:8080"), "an empty table is not 'GONE'");
        assertEquals(-1, k.closeWaitCount(), "an empty table is not 'no CLOSE_WAIT'");
        assertTrue(k.census().isEmpty());
        assertTrue(!k.available() && k.problem().contains(net.resolve("tcp") + " is empty"), k.problem());

        Files.writeString(net.resolve("tcp"), HEADER + V4); // back: still not read again
        assertNull(find(k, "127.0.0.1:40000", "127.0.0.1:8080"));
        assertTrue(!k.available());

        KernelTcp missing = new KernelTcp(dir.resolve("no-net"), dir.resolve("no-fd"));
        assertEquals(-1, missing.closeWaitCount());
        assertTrue(missing.problem().contains("does not exist"), missing.problem());

        Path directory = Files.createDirectories(dir.resolve("dir-net").resolve("tcp"));
        KernelTcp notAFile = new KernelTcp(directory.getParent(), dir.resolve("no-fd"));
        assertNull(notAFile.snapshot());
        assertTrue(notAFile.problem().contains("cannot be read"), notAFile.problem());
    }

    @Test
    void aMissingTcp6IsIpv6OffNotAProblem() throws Exception {
        Path net = Files.createDirectories(dir.resolve("v4only"));
        Files.writeString(net.resolve("tcp"), HEADER + V4);
        KernelTcp k = new KernelTcp(net, dir.resolve("no-fd"));
        assertEquals("CLOSE_WAIT", find(k, "127.0.0.1:40000", "127.0.0.1:8080").state());
        assertTrue(k.available());
        assertNull(k.problem());
    }

    @Test
    void theLookupSaysOnceWhyAndHoldsNothing() throws Exception {
        Path net = Files.createDirectories(dir.resolve("masked2"));
        Files.writeString(net.resolve("tcp"), "");
        KernelStateLookup lookup = new KernelStateLookup(new KernelTcp(net, dir.resolve("no-fd")));
        io.socketdoctor.event.Event event = io.socketdoctor.event.Event.of(io.socketdoctor.event.Event.SOCKET_ERROR)
                .at(java.time.Instant.now()).errno("ECONNRESET", 104).cause("peer_reset_read", "exact")
                .call("read", "socket").exception("java.net.SocketException", "Connection reset")
                .ends("127.0.0.1:40000", "127.0.0.1:8080").texts("D.", "H.").thread("main").build();
        assertNull(lookup.notice(), "nothing known yet");
        assertNull(lookup.decorate(event).tcp());
        String notice = lookup.notice();
        assertTrue(notice != null && notice.contains("is empty") && notice.contains("not read again"), notice);
        assertNull(lookup.notice(), "said once");
        assertEquals(0, lookup.holdNanos(event), "nothing to wait for");
        assertNull(lookup.decorate(event).tcp());
        assertNull(lookup.notice());
    }
}
