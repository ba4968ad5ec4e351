package io.socketdoctor.track;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The kernel's view of TCP connections on Linux, from {@code /proc/net/tcp} and {@code tcp6}:
 * the state of one connection by its 4-tuple, and the census of this process's own sockets by
 * state. Everything is bounded in lines read and in time, and answers "unknown" (null or an empty
 * map) where {@code /proc} is not there or not readable, never a guess.
 *
 * <p>The work is done by smaller parts: {@link ProcTcpTables} reads the tables (bounded, and
 * never again once one proved unreadable), {@link TcpRows} parses their rows in place,
 * {@link TcpRowIndex} finds a row by its ends, {@link ProcAddress} writes an address as /proc does,
 * and {@link OwnSocketInodes} tells this process's sockets from the others.
 */
public final class KernelTcp {

    /** One row of /proc/net/tcp. */
    public record Row(String state, long sendQueue, long receiveQueue, long inode) {
    }

    /** The row for a connection the kernel has already dropped (after a RST it is unhashed at once). */
    public static final Row GONE = new Row("GONE", 0, 0, 0);

    private static final long MAX_NANOS = 1_000_000_000L;

    private final ProcTcpTables tables;
    private final Path selfFd;
    /** The monotonic clock snapshots are stamped with, in ns: {@link System#nanoTime()} but in tests. */
    private final LongSupplier clock;

    public KernelTcp() {
        // No /proc to read off Linux: nothing to say either.
        this(Paths.get("/proc/net"), Paths.get("/proc/self/fd"), SystemNanos.INSTANCE,
                System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"));
    }

    KernelTcp(Path procNet, Path selfFd) {
        this(procNet, selfFd, SystemNanos.INSTANCE);
    }

    /** Tables read from {@code procNet}, snapshots stamped by {@code clock} (ns, monotonic): for tests. */
    KernelTcp(Path procNet, Path selfFd, LongSupplier clock) {
        this(procNet, selfFd, clock, true);
    }

    private KernelTcp(Path procNet, Path selfFd, LongSupplier clock, boolean hasProc) {
        this.tables = new ProcTcpTables(procNet, hasProc);
        this.selfFd = selfFd;
        this.clock = clock;
    }

    /** {@link System#nanoTime()}. A class, not a method reference: each of those spins a class at start-up. */
    private static final class SystemNanos implements LongSupplier {
        static final SystemNanos INSTANCE = new SystemNanos();

        @Override
        public long getAsLong() {
            return System.nanoTime();
        }
    }

    /** Now, on the clock {@link Snapshot#startedAt} is stamped with (ns, monotonic). */
    long nanoTime() {
        return clock.getAsLong();
    }

    /** False once the tables proved unreadable (or on a system without {@code /proc}); no file-system call. */
    public boolean available() {
        return tables.available();
    }

    /** Why the kernel's TCP state is not available (one sentence), or null while it is or where there is no /proc. */
    public String problem() {
        return tables.problem();
    }

    /**
     * Both tables as the kernel shows them now, to look several connections up in one read: each
     * read costs the kernel a walk of its whole TCP hash (milliseconds even when nearly empty).
     * Null when unknown (no /proc, or a table larger than we read). Stamped before the first
     * table is opened: see {@link Snapshot#startedAt}.
     */
    public Snapshot snapshot() {
        long startedAt = clock.getAsLong();
        byte[] tcp = tables.read(ProcTcpTables.TCP);
        byte[] tcp6 = tcp == null ? null : tables.read(ProcTcpTables.TCP6);
        return tcp == null || tcp6 == null ? null : new Snapshot(tcp, tcp6, startedAt);
    }

    /**
     * The raw tables as one read saw them, with each row's place indexed by its "local remote"
     * columns as it is taken (see {@link TcpRowIndex}): one pass over the table per read, then a
     * look-up is a probe or two.
     */
    public static final class Snapshot {
        private final TcpRowIndex[] tables;
        /**
         * When the read began (System.nanoTime, or the clock the KernelTcp was given), before
         * {@code /proc} was opened. A read walks the kernel's hash for milliseconds: a row may be
         * copied before a failure that happens while the rest is read, so only a read that began
         * after a failure tells its state; when the read ended says nothing.
         */
        public final long startedAt;

        Snapshot(byte[] tcp, byte[] tcp6, long startedAt) {
            this.tables = new TcpRowIndex[] {new TcpRowIndex(tcp), new TcpRowIndex(tcp6)};
            this.startedAt = startedAt;
        }

        /** The row of {@code local -> remote}, {@link #GONE} if the kernel had none, null if unknown. */
        public Row find(String local, String remote) {
            if (local == null || remote == null) {
                return null;
            }
            ProcAddress l = ProcAddress.parse(local);
            ProcAddress r = ProcAddress.parse(remote);
            if (l == null || r == null) {
                return null;
            }
            // "<local> <remote>" as /proc writes them: IPv4 rows in tcp, IPv6 and v4-mapped rows in tcp6.
            String[] patterns = {l.text4 == null || r.text4 == null ? null : l.text4 + " " + r.text4,
                l.text6 + " " + r.text6};
            for (int t = 0; t < tables.length; t++) {
                if (patterns[t] == null) {
                    continue;
                }
                String line = tables[t].line(patterns[t].getBytes(StandardCharsets.US_ASCII));
                if (line != null) {
                    return TcpRows.row(line);
                }
            }
            return GONE;
        }
    }

    /**
     * This process's TCP sockets by kernel state (socket inodes under /proc/self/fd matched to the
     * inode column), e.g. {@code {CLOSE_WAIT=3, ESTABLISHED=12, LISTEN=1}}; empty when unknown.
     */
    public Map<String, Integer> census() {
        Map<String, Integer> byState = new TreeMap<>();
        if (!available()) {
            return byState;
        }
        long[] ours = OwnSocketInodes.read(selfFd);
        if (ours == null) {
            return byState;
        }
        int[] perState = new int[TcpRows.STATES.length];
        long deadline = System.nanoTime() + MAX_NANOS;
        for (String table : ProcTcpTables.NAMES) {
            byte[] content = tables.read(table);
            if (content == null || !TcpRows.countOurs(content, ours, perState, deadline)) {
                return new TreeMap<>(); // too large or too slow: a partial count would be wrong, say unknown
            }
        }
        for (int state = 0; state < perState.length; state++) {
            if (perState[state] > 0) {
                byState.put(TcpRows.STATES[state], perState[state]);
            }
        }
        return byState;
    }

    /**
     * How many of this process's TCP sockets are in CLOSE_WAIT, or -1 if unknown. The tables are
     * scanned first and the full {@link #census()} (a link read per descriptor: far dearer than
     * the tables for a process holding 10 000 sockets) runs only when some row is in CLOSE_WAIT,
     * which on most hosts is rare.
     */
    public int closeWaitCount() {
        if (!available()) {
            return -1;
        }
        long deadline = System.nanoTime() + MAX_NANOS;
        int rows = 0;
        for (String table : ProcTcpTables.NAMES) {
            byte[] content = tables.read(table);
            int[] inState = new int[1];
            if (content == null || !TcpRows.scanRows(content, deadline, (state, inode) -> {
                if (state == TcpRows.CLOSE_WAIT) {
                    inState[0]++;
                }
            })) {
                return -1; // too large or too slow: unknown, never a partial count
            }
            rows += inState[0];
        }
        if (rows == 0) {
            return 0;
        }
        Map<String, Integer> byState = census();
        return byState.isEmpty() ? -1 : byState.getOrDefault(TcpRows.STATES[TcpRows.CLOSE_WAIT], 0);
    }

    /**
     * This process's TCP sockets in CLOSE_WAIT, by both ends, from one read of each table: the
     * descriptors are listed only when some row is in CLOSE_WAIT (see {@link #closeWaitCount}).
     *
     * @param pairs their "local remote" columns in one form for both tables (see {@link #pairKey})
     * @param count how many there are ({@code pairs.size()} unless two rows share both ends)
     */
    public record CloseWaitRows(Set<String> pairs, int count) {
        static final CloseWaitRows NONE = new CloseWaitRows(Set.of(), 0);
    }

    /** This process's CLOSE_WAIT sockets, or null if unknown (no /proc, a table too large, no descriptors). */
    public CloseWaitRows closeWaitRows() {
        if (!available()) {
            return null;
        }
        long deadline = System.nanoTime() + MAX_NANOS;
        List<String> keys = new ArrayList<>();
        List<Long> inodes = new ArrayList<>();
        for (String table : ProcTcpTables.NAMES) {
            byte[] content = tables.read(table);
            if (content == null || !TcpRows.closeWaitRows(content, table.equals(ProcTcpTables.TCP), deadline, keys,
                    inodes)) {
                return null; // too large or too slow: unknown, never a partial list
            }
        }
        if (keys.isEmpty()) {
            return CloseWaitRows.NONE;
        }
        long[] ours = OwnSocketInodes.read(selfFd);
        if (ours == null) {
            return null;
        }
        Set<String> pairs = new HashSet<>();
        int count = 0;
        for (int i = 0; i < keys.size(); i++) {
            if (Arrays.binarySearch(ours, inodes.get(i)) >= 0) {
                pairs.add(keys.get(i));
                count++;
            }
        }
        return new CloseWaitRows(pairs, count);
    }

    /**
     * Both ends of a connection as a {@link CloseWaitRows#pairs} key ({@code ip:port} each, as
     * the agent writes addresses), or null for a name or an unknown end: never looked up.
     */
    public static String pairKey(String local, String remote) {
        if (local == null || remote == null) {
            return null;
        }
        ProcAddress l = ProcAddress.parse(local);
        ProcAddress r = ProcAddress.parse(remote);
        return l == null || r == null ? null : l.text6 + " " + r.text6;
    }
}
