package io.socketdoctor.track;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The kernel's TCP tables, {@code /proc/net/tcp} and {@code tcp6}, read whole as bytes and bounded
 * in size. A table that cannot be read (missing, as under systemd's {@code ProcSubset=pid};
 * permission denied; masked with an empty file, as container runtimes mask {@code /proc} paths)
 * makes them unavailable for good: {@link #problem()} says why, and nothing here touches
 * {@code /proc} again, so a host that fails a thousand times a second does not try a thousand
 * reads that cannot work. (A table too large to read within the budget is unknown that time only.)
 */
final class ProcTcpTables {

    static final String TCP = "tcp";
    static final String TCP6 = "tcp6";
    /** Both tables, IPv4 first: the order every scan and look-up goes in. */
    static final String[] NAMES = {TCP, TCP6};

    private static final int MAX_BYTES = 64 << 20;

    private final Path procNet;
    /** Why the tables cannot be used, for one line on stderr and the status; null while they can. */
    private volatile String problem;
    /** Set once a table could not be read (or there is no /proc at all): from then on every answer is "unknown". */
    private volatile boolean unavailable;

    /** @param present false on a system without {@code /proc}: then nothing is ever read, and there is no problem to tell */
    ProcTcpTables(Path procNet, boolean present) {
        this.procNet = procNet;
        this.unavailable = !present;
    }

    /** False once the tables proved unreadable (or on a system without {@code /proc}); no file-system call. */
    boolean available() {
        return !unavailable;
    }

    /** Why the tables are not available (one sentence), or null while they are or where there is no /proc. */
    String problem() {
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
    byte[] read(String name) {
        if (unavailable) {
            return null;
        }
        Path file = procNet.resolve(name);
        byte[] content;
        try {
            content = readBounded(file);
        } catch (IOException | RuntimeException e) {
            // FileInputStream says FileNotFoundException for every failed open: ask whether it is there.
            boolean missing = !Files.exists(file, LinkOption.NOFOLLOW_LINKS);
            if (missing && name.equals(TCP6)) {
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

    /** At most {@value #MAX_BYTES} bytes of a /proc file, or null if it is longer. */
    private static byte[] readBounded(Path file) throws IOException {
        try (InputStream in = new FileInputStream(file.toFile())) {
            byte[] content = in.readNBytes(MAX_BYTES + 1);
            return content.length > MAX_BYTES ? null : content;
        }
    }
}
