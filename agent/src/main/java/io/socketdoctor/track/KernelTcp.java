package io.socketdoctor.track;

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The kernel's view of TCP connections on Linux, from {@code /proc/net/tcp} and {@code tcp6}:
 * the state of one connection by its 4-tuple, and the census of this process's own sockets by
 * state. Everything is bounded in lines read and in time, and answers "unknown" (null or an empty
 * map) where {@code /proc} is not there or not readable, never a guess.
 *
 * <p>A table that cannot be read (missing, as under systemd's {@code ProcSubset=pid}; permission
 * denied; masked with an empty file, as container runtimes mask {@code /proc} paths) makes the
 * kernel's view unavailable for good: {@link #problem()} says why, and nothing here touches
 * {@code /proc} again, so a host that fails a thousand times a second does not try a thousand
 * reads that cannot work. (A table too large to read within the budget is unknown that time only.)
 */
public final class KernelTcp {

    /** One row of /proc/net/tcp. */
    public record Row(String state, long sendQueue, long receiveQueue, long inode) {
    }

    /** The row for a connection the kernel has already dropped (after a RST it is unhashed at once). */
    public static final Row GONE = new Row("GONE", 0, 0, 0);

    private static final String[] STATES = {"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
            "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};

    private static final int MAX_LINES = 500_000;
    private static final int MAX_BYTES = 64 << 20;
    private static final long MAX_NANOS = 1_000_000_000L;

    private final Path procNet;
    private final Path selfFd;
    /** The monotonic clock snapshots are stamped with, in ns: {@link System#nanoTime()} but in tests. */
    private final LongSupplier clock;

    public KernelTcp() {
        this(Paths.get("/proc/net"), Paths.get("/proc/self/fd"));
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
            unavailable = true; // no /proc to read: nothing to say either
        }
    }

    KernelTcp(Path procNet, Path selfFd) {
        this(procNet, selfFd, SystemNanos.INSTANCE);
    }

    /** Tables read from {@code procNet}, snapshots stamped by {@code clock} (ns, monotonic): for tests. */
    KernelTcp(Path procNet, Path selfFd, LongSupplier clock) {
        this.procNet = procNet;
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

    /** Why the tables cannot be used, for one line on stderr and the status; null while they can. */
    private volatile String problem;
    /** Set once a table could not be read (or there is no /proc at all): from then on every answer is "unknown". */
    private volatile boolean unavailable;

    /** False once the tables proved unreadable (or on a system without {@code /proc}); no file-system call. */
    public boolean available() {
        return !unavailable;
    }

    /** Why the kernel's TCP state is not available (one sentence), or null while it is or where there is no /proc. */
    public String problem() {
        return problem;
    }

    private void giveUp(String why) {
        if (!unavailable) {
            problem = why;
            unavailable = true;
        }
    }

    /**
     * One table, bounded: null when unknown, i.e. larger than the budget (unknown this time only) or
     * unreadable (then {@link #giveUp} for good). A missing {@code tcp6} is an empty table: IPv6 is off.
     */
    private byte[] table(String name) {
        if (unavailable) {
            return null;
        }
        Path file = procNet.resolve(name);
        byte[] content;
        try {
            content = readBounded(file);
        } catch (IOException | RuntimeException e) {
            // FileInputStream says FileNotFoundException for every failed open: ask whether it is there.
            boolean missing = !Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (missing && name.equals("tcp6")) {
                return new byte[0]; // IPv6 is off
            }
            giveUp(file + (missing ? " does not exist" : " cannot be read (" + e + ")"));
            return null;
        }
        if (content != null && !hasHeader(content)) {
            giveUp(file + " is " + (content.length == 0 ? "empty" : "not the kernel's table")
                    + " (masked, e.g. with /dev/null)");
            return null;
        }
        return content;
    }

    /** The kernel's tables begin with a header row: {@code   sl  local_address rem_address ...}. */
    private static boolean hasHeader(byte[] content) {
        int i = 0;
        while (i < content.length && content[i] == ' ') {
            i++;
        }
        return i + 1 < content.length && content[i] == 's' && content[i + 1] == 'l';
    }

    /**
     * Both tables as the kernel shows them now, to look several connections up in one read: each
     * read costs the kernel a walk of its whole TCP hash (milliseconds even when nearly empty).
     * Null when unknown (no /proc, or a table larger than we read). Stamped before the first
     * table is opened: see {@link Snapshot#startedAt}.
     */
    public Snapshot snapshot() {
        long startedAt = clock.getAsLong();
        byte[] tcp = table("tcp");
        byte[] tcp6 = tcp == null ? null : table("tcp6");
        return tcp == null || tcp6 == null ? null : new Snapshot(tcp, tcp6, startedAt);
    }

    /**
     * The raw tables as one read saw them, with each row's place indexed by its "local remote"
     * columns as it is taken: one pass over the table per read, then a look-up is a probe or two.
     * Scanning the table per look-up cost a millisecond per event on a host with 10 000 sockets,
     * where one read serves hundreds of events.
     */
    public static final class Snapshot {
        private final RowIndex[] tables;
        /**
         * When the read began (System.nanoTime, or the clock the KernelTcp was given), before
         * {@code /proc} was opened. A read walks the kernel's hash for milliseconds: a row may be
         * copied before a failure that happens while the rest is read, so only a read that began
         * after a failure tells its state; when the read ended says nothing.
         */
        public final long startedAt;

        Snapshot(byte[] tcp, byte[] tcp6, long startedAt) {
            this.tables = new RowIndex[] {new RowIndex(tcp), new RowIndex(tcp6)};
            this.startedAt = startedAt;
        }

        /** The row of {@code local -> remote}, {@link #GONE} if the kernel had none, null if unknown. */
        public Row find(String local, String remote) {
            if (local == null || remote == null) {
                return null;
            }
            Endpoint l = Endpoint.parse(local);
            Endpoint r = Endpoint.parse(remote);
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
                    String[] f = fields(line, 10);
                    return f == null ? null : row(f);
                }
            }
            return GONE;
        }
    }

    /**
     * One table's rows by the hash of their local and remote address columns (open addressing,
     * linear probing; slot = key offset + 1, 0 = empty). Hex digits are hashed and compared
     * upper-cased, as the kernel writes them.
     */
    static final class RowIndex {
        private final byte[] content;
        private final int[] slots;

        RowIndex(byte[] content) {
            this.content = content;
            int rows = 0;
            for (byte b : content) {
                if (b == '\n') {
                    rows++;
                }
            }
            this.slots = new int[Integer.highestOneBit(Math.max(rows, 1) * 2) * 2];
            int at = indexOfByte(content, 0, (byte) '\n') + 1; // skip the header
            while (at > 0 && at < content.length) {
                int end = indexOfByte(content, at, (byte) '\n');
                if (end < 0) {
                    end = content.length;
                }
                int keyStart = skipField(content, at, end); // past "sl:"
                int keyEnd = skipField(content, skipField(content, keyStart, end), end); // past local and remote
                if (keyEnd > keyStart) {
                    int slot = hash(content, keyStart, keyEnd) & (slots.length - 1);
                    while (slots[slot] != 0) {
                        slot = (slot + 1) & (slots.length - 1);
                    }
                    slots[slot] = keyStart + 1;
                }
                at = end + 1;
            }
        }

        /** The row whose "local remote" columns are {@code key} (upper-case), or null. */
        String line(byte[] key) {
            int slot = hash(key, 0, key.length) & (slots.length - 1);
            for (int probes = 0; probes < slots.length && slots[slot] != 0; probes++) {
                int at = slots[slot] - 1;
                if (matches(at, key)) {
                    int lineStart = at;
                    while (lineStart > 0 && content[lineStart - 1] != '\n') {
                        lineStart--;
                    }
                    int lineEnd = indexOfByte(content, at, (byte) '\n');
                    return new String(content, lineStart, (lineEnd < 0 ? content.length : lineEnd) - lineStart,
                            StandardCharsets.US_ASCII);
                }
                slot = (slot + 1) & (slots.length - 1);
            }
            return null;
        }

        private boolean matches(int at, byte[] key) {
            if (at + key.length >= content.length || content[at + key.length] != ' ') {
                return false;
            }
            for (int j = 0; j < key.length; j++) {
                if (upper(content[at + j]) != key[j]) {
                    return false;
                }
            }
            return true;
        }

        /** The start of the field after the one at (or after the spaces before) {@code from}. */
        private static int skipField(byte[] content, int from, int end) {
            int i = from;
            while (i < end && content[i] == ' ') {
                i++;
            }
            while (i < end && content[i] != ' ') {
                i++;
            }
            int fieldEnd = i;
            while (i < end && content[i] == ' ') {
                i++;
            }
            return i < end ? i : fieldEnd;
        }

        private static int hash(byte[] bytes, int from, int to) {
            int h = 0;
            int last = to;
            while (last > from && bytes[last - 1] == ' ') {
                last--;
            }
            for (int i = from; i < last; i++) {
                h = 31 * h + upper(bytes[i]);
            }
            return h ^ (h >>> 16);
        }

        private static byte upper(byte c) {
            return c >= 'a' && c <= 'f' ? (byte) (c - ('a' - 'A')) : c;
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
        long[] ours = ourSocketInodes();
        if (ours == null) {
            return byState;
        }
        // Read as bytes and scanned in place: a host with 30 000 TIME_WAIT rows made 5 MB of
        // strings a census when each line was split into fields.
        int[] perState = new int[STATES.length];
        long deadline = System.nanoTime() + MAX_NANOS;
        for (String table : new String[] {"tcp", "tcp6"}) {
            byte[] content = table(table);
            if (content == null || !countOurs(content, ours, perState, deadline)) {
                return new TreeMap<>(); // too large or too slow: a partial count would be wrong, say unknown
            }
        }
        for (int state = 0; state < perState.length; state++) {
            if (perState[state] > 0) {
                byState.put(STATES[state], perState[state]);
            }
        }
        return byState;
    }

    /** The inodes of this process's sockets (from the links under /proc/self/fd), sorted; null if unknown. */
    private long[] ourSocketInodes() {
        long[] inodes = new long[64];
        int count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(selfFd)) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        if (count == inodes.length) {
                            inodes = Arrays.copyOf(inodes, count * 2);
                        }
                        inodes[count++] = Long.parseLong(target.substring(8, target.length() - 1));
                    }
                } catch (IOException | RuntimeException closedMeanwhile) {
                    // the descriptor went away while we listed them
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        long[] ours = Arrays.copyOf(inodes, count);
        Arrays.sort(ours);
        return ours;
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
        for (String table : new String[] {"tcp", "tcp6"}) {
            byte[] content = table(table);
            int[] inState = new int[1];
            if (content == null || !scanRows(content, deadline, (state, inode) -> {
                if (state == CLOSE_WAIT) {
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
        return byState.isEmpty() ? -1 : byState.getOrDefault(STATES[CLOSE_WAIT], 0);
    }

    /** The kernel's number for CLOSE_WAIT (the 4th column of a row), an index into {@link #STATES}. */
    private static final int CLOSE_WAIT = 8;

    /**
     * Adds the rows of one /proc table whose inode (10th field) is in {@code ours} (sorted) to
     * {@code perState} by their state (4th field, hex); false when past the line or time budget.
     */
    static boolean countOurs(byte[] content, long[] ours, int[] perState, long deadline) {
        return scanRows(content, deadline, (state, inode) -> {
            if (inode > 0 && state >= 0 && state < perState.length && Arrays.binarySearch(ours, inode) >= 0) {
                perState[state]++;
            }
        });
    }

    /** What a scan sees of each row: its state (4th field, hex; -1 if unreadable) and inode (10th field; -1 if none). */
    interface RowVisitor {
        void row(int state, long inode);
    }

    /** Visits every row after the header, in place (no strings); false when past the line or time budget. */
    static boolean scanRows(byte[] content, long deadline, RowVisitor visitor) {
        return forEachRow(content, deadline, (starts, ends, fields) -> visitor.row(
                fields > 3 ? stateAt(content, starts[3], ends[3]) : -1,
                fields > 9 ? parseDecimal(content, starts[9], ends[9]) : -1));
    }

    /** The fields of one row: {@code content[starts[i], ends[i])} for the first {@code fields} (at most 10). */
    private interface FieldsVisitor {
        void row(int[] starts, int[] ends, int fields);
    }

    /**
     * The one walk over a table's rows (after the header), splitting each into its first ten
     * fields in place; false when past the line or time budget.
     */
    private static boolean forEachRow(byte[] content, long deadline, FieldsVisitor visitor) {
        int[] starts = new int[10];
        int[] ends = new int[10];
        int lines = 0;
        int at = indexOfByte(content, 0, (byte) '\n') + 1; // skip the header
        while (at > 0 && at < content.length) {
            if (++lines > MAX_LINES || ((lines & 1023) == 0 && System.nanoTime() > deadline)) {
                return false;
            }
            int end = indexOfByte(content, at, (byte) '\n');
            if (end < 0) {
                end = content.length;
            }
            int fields = 0;
            for (int i = at; i < end && fields < 10; ) {
                while (i < end && content[i] == ' ') {
                    i++;
                }
                int start = i;
                while (i < end && content[i] != ' ') {
                    i++;
                }
                if (start == i) {
                    break;
                }
                starts[fields] = start;
                ends[fields] = i;
                fields++;
            }
            visitor.row(starts, ends, fields);
            at = end + 1;
        }
        return true;
    }

    /** The state column (two hex digits) as a number, or -1. */
    private static int stateAt(byte[] content, int start, int end) {
        return end - start == 2 ? Character.digit(content[start], 16) * 16 + Character.digit(content[start + 1], 16) : -1;
    }

    private static int indexOfByte(byte[] content, int from, byte b) {
        for (int i = from; i < content.length; i++) {
            if (content[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The decimal number in {@code content[start, end)}, or -1 if it is not one. */
    private static long parseDecimal(byte[] content, int start, int end) {
        long n = 0;
        for (int i = start; i < end; i++) {
            int d = content[i] - '0';
            if (d < 0 || d > 9 || n > Long.MAX_VALUE / 10) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    /** At most {@value #MAX_BYTES} bytes of a /proc file, or null if it is longer. */
    private static byte[] readBounded(Path file) throws IOException {
        try (InputStream in = new FileInputStream(file.toFile())) {
            byte[] content = in.readNBytes(MAX_BYTES + 1);
            return content.length > MAX_BYTES ? null : content;
        }
    }

    /** The first {@code n} space-separated fields of a row, or null if it has fewer (no regex: rows are many). */
    static String[] fields(String line, int n) {
        String[] out = new String[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            while (at < line.length() && line.charAt(at) == ' ') {
                at++;
            }
            int end = line.indexOf(' ', at);
            if (at >= line.length()) {
                return null;
            }
            out[i] = line.substring(at, end < 0 ? line.length() : end);
            at = end < 0 ? line.length() : end;
        }
        return out;
    }

    /** Fields: sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ... */
    private static Row row(String[] f) {
        int state = Integer.parseInt(f[3], 16);
        String[] queues = f[4].split(":");
        return new Row(state < STATES.length ? STATES[state] : "UNKNOWN", Long.parseLong(queues[0], 16),
                Long.parseLong(queues[1], 16), Long.parseLong(f[9]));
    }

    /**
     * This process's TCP sockets in CLOSE_WAIT, by both ends, from one read of each table: the
     * descriptors are listed only when some row is in CLOSE_WAIT (see {@link #closeWaitCount}).
     *
     * @param pairs their "local remote" columns in one form for both tables (see {@link #pairKey})
     * @param count how many there are ({@code pairs.size()} unless two rows share both ends)
     */
    public record CloseWaitRows(java.util.Set<String> pairs, int count) {
        static final CloseWaitRows NONE = new CloseWaitRows(java.util.Set.of(), 0);
    }

    /** This process's CLOSE_WAIT sockets, or null if unknown (no /proc, a table too large, no descriptors). */
    public CloseWaitRows closeWaitRows() {
        if (!available()) {
            return null;
        }
        long deadline = System.nanoTime() + MAX_NANOS;
        java.util.List<String> keys = new java.util.ArrayList<>();
        java.util.List<Long> inodes = new java.util.ArrayList<>();
        for (String table : new String[] {"tcp", "tcp6"}) {
            byte[] content = table(table);
            if (content == null || !closeWaitRows(content, table.equals("tcp"), deadline, keys, inodes)) {
                return null; // too large or too slow: unknown, never a partial list
            }
        }
        if (keys.isEmpty()) {
            return CloseWaitRows.NONE;
        }
        long[] ours = ourSocketInodes();
        if (ours == null) {
            return null;
        }
        java.util.Set<String> pairs = new java.util.HashSet<>();
        int count = 0;
        for (int i = 0; i < keys.size(); i++) {
            if (Arrays.binarySearch(ours, inodes.get(i)) >= 0) {
                pairs.add(keys.get(i));
                count++;
            }
        }
        return new CloseWaitRows(pairs, count);
    }

    /** IPv4 rows of {@code tcp} in the v4-mapped IPv6 form of {@code tcp6}: one form for both tables. */
    private static final String V4_MAPPED_PREFIX = "0000000000000000FFFF0000";

    /** Adds the CLOSE_WAIT rows of one table (their key and inode); false when past the line or time budget. */
    private static boolean closeWaitRows(byte[] content, boolean v4, long deadline, java.util.List<String> keys,
                                         java.util.List<Long> inodes) {
        return forEachRow(content, deadline, (starts, ends, fields) -> {
            if (fields == 10 && stateAt(content, starts[3], ends[3]) == CLOSE_WAIT) {
                String local = new String(content, starts[1], ends[1] - starts[1], StandardCharsets.US_ASCII);
                String remote = new String(content, starts[2], ends[2] - starts[2], StandardCharsets.US_ASCII);
                String key = v4 ? V4_MAPPED_PREFIX + local + " " + V4_MAPPED_PREFIX + remote : local + " " + remote;
                keys.add(key.toUpperCase(java.util.Locale.ROOT));
                inodes.add(parseDecimal(content, starts[9], ends[9]));
            }
        });
    }

    /**
     * Both ends of a connection as a {@link CloseWaitRows#pairs} key ({@code ip:port} each, as
     * the agent writes addresses), or null for a name or an unknown end: never looked up.
     */
    public static String pairKey(String local, String remote) {
        if (local == null || remote == null) {
            return null;
        }
        Endpoint l = Endpoint.parse(local);
        Endpoint r = Endpoint.parse(remote);
        return l == null || r == null ? null : l.text6 + " " + r.text6;
    }

    /** An address and port, compared with /proc's hex form (IPv4 rows, IPv6 rows and v4-mapped IPv6 rows). */
    static final class Endpoint {
        final byte[] ip4;
        final byte[] ip6;
        final int port;

        Endpoint(byte[] ip4, byte[] ip6, int port) {
            this.ip4 = ip4;
            this.ip6 = ip6;
            this.port = port;
        }

        static Endpoint parse(String text) {
            try {
                int colon = text.lastIndexOf(':');
                String host = text.substring(0, colon);
                if (host.startsWith("[")) {
                    host = host.substring(1, host.length() - 1);
                }
                if (!isLiteral(host)) {
                    return null; // an unresolved name: never look it up from here
                }
                byte[] ip = InetAddress.getByName(host).getAddress(); // a literal: no lookup
                int port = Integer.parseInt(text.substring(colon + 1));
                if (ip.length == 4) {
                    byte[] mapped = new byte[16];
                    mapped[10] = (byte) 0xff;
                    mapped[11] = (byte) 0xff;
                    System.arraycopy(ip, 0, mapped, 12, 4);
                    return new Endpoint(ip, mapped, port).withText();
                }
                return new Endpoint(null, ip, port).withText();
            } catch (UnknownHostException | RuntimeException e) {
                return null;
            }
        }

        private static boolean isLiteral(String host) {
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!(c == '.' || c == ':' || Character.digit(c, 16) >= 0)) {
                    return false;
                }
            }
            return !host.isEmpty();
        }

        private String text4;
        private String text6;

        /**
         * The address as /proc writes it, in both tables' forms: {@code 0100007F:1F90} (IPv4, one
         * little-endian word) and 32 hex digits (IPv6 or v4-mapped IPv6, four such words).
         */
        Endpoint withText() {
            String port16 = hex(port >> 8) + hex(port);
            text4 = ip4 == null ? null : encode(ip4) + ":" + port16;
            text6 = encode(ip6) + ":" + port16;
            return this;
        }

        static String encode(byte[] ip) {
            StringBuilder out = new StringBuilder(ip.length * 2);
            for (int word = 0; word < ip.length / 4; word++) {
                for (int b = 3; b >= 0; b--) {
                    out.append(hex(ip[word * 4 + b]));
                }
            }
            return out.toString();
        }

        /** Two upper-case hex digits of the low byte (no String.format: it loads a lot on first use). */
        private static String hex(int b) {
            String digits = "0123456789ABCDEF";
            return "" + digits.charAt((b >> 4) & 0xf) + digits.charAt(b & 0xf);
        }
    }
}
