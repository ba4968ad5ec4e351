package io.socketdoctor.track;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The rows of a {@code /proc/net/tcp} or {@code tcp6} table, read in place from its bytes. Fields:
 * {@code sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...}. Scans split
 * no line into strings: a host with 30 000 TIME_WAIT rows made 5 MB of strings a census when each
 * line was split into fields. Every scan is bounded in lines and in time.
 */
final class TcpRows {

    /** The kernel's state names by their number (the 4th column, hex). */
    static final String[] STATES = {"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
            "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};

    /** The kernel's number for CLOSE_WAIT (the 4th column of a row), an index into {@link #STATES}. */
    static final int CLOSE_WAIT = 8;

    private static final int MAX_LINES = 500_000;

    /** IPv4 rows of {@code tcp} in the v4-mapped IPv6 form of {@code tcp6}: one form for both tables. */
    private static final String V4_MAPPED_PREFIX = "0000000000000000FFFF0000";

    private TcpRows() {
    }

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

    /**
     * Adds the CLOSE_WAIT rows of one table (their "local remote" key, in the one form of
     * {@link KernelTcp#pairKey}, and their inode); false when past the line or time budget.
     */
    static boolean closeWaitRows(byte[] content, boolean v4, long deadline, List<String> keys, List<Long> inodes) {
        return forEachRow(content, deadline, (starts, ends, fields) -> {
            if (fields == 10 && stateAt(content, starts[3], ends[3]) == CLOSE_WAIT) {
                String local = new String(content, starts[1], ends[1] - starts[1], StandardCharsets.US_ASCII);
                String remote = new String(content, starts[2], ends[2] - starts[2], StandardCharsets.US_ASCII);
                String key = v4 ? V4_MAPPED_PREFIX + local + " " + V4_MAPPED_PREFIX + remote : local + " " + remote;
                keys.add(key.toUpperCase(Locale.ROOT));
                inodes.add(parseDecimal(content, starts[9], ends[9]));
            }
        });
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

    static int indexOfByte(byte[] content, int from, byte b) {
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

    /** One row, found by a look-up, as its state and queues; null if it has fewer than ten fields. */
    static KernelTcp.Row row(String line) {
        String[] f = fields(line, 10);
        if (f == null) {
            return null;
        }
        int state = Integer.parseInt(f[3], 16);
        String[] queues = f[4].split(":");
        return new KernelTcp.Row(state < STATES.length ? STATES[state] : "UNKNOWN", Long.parseLong(queues[0], 16),
                Long.parseLong(queues[1], 16), Long.parseLong(f[9]));
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
}
