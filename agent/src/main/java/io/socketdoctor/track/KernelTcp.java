package io.socketdoctor.track;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The kernel's view of TCP connections on Linux, from {@code /proc/net/tcp} and {@code tcp6}:
 * the state of one connection by its 4-tuple, and the census of this process's own sockets by
 * state. Everything is bounded in lines read and in time, and answers "unknown" (null or an empty
 * map) where {@code /proc} is not there or not readable, never a guess.
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
    private static final long MAX_NANOS = 200_000_000L;

    private final Path procNet;
    private final Path selfFd;

    public KernelTcp() {
        this(Paths.get("/proc/net"), Paths.get("/proc/self/fd"));
    }

    KernelTcp(Path procNet, Path selfFd) {
        this.procNet = procNet;
        this.selfFd = selfFd;
    }

    public boolean available() {
        return Files.isReadable(procNet.resolve("tcp"));
    }

    /**
     * The kernel's row for this connection, {@link #GONE} if the kernel has no such connection,
     * or null if it cannot be known (no /proc, an address missing, time or line budget used up).
     *
     * @param local  {@code ip:port} or {@code [ipv6]:port}
     * @param remote same
     */
    public Row find(String local, String remote) {
        if (local == null || remote == null || !available()) {
            return null;
        }
        Endpoint l = Endpoint.parse(local);
        Endpoint r = Endpoint.parse(remote);
        if (l == null || r == null) {
            return null;
        }
        long deadline = System.nanoTime() + MAX_NANOS;
        int[] budget = {MAX_LINES};
        for (String table : new String[] {"tcp", "tcp6"}) {
            try (BufferedReader in = Files.newBufferedReader(procNet.resolve(table), StandardCharsets.US_ASCII)) {
                in.readLine(); // header
                for (String line; (line = in.readLine()) != null; ) {
                    if (--budget[0] < 0 || System.nanoTime() > deadline) {
                        return null;
                    }
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && l.matches(f[1]) && r.matches(f[2])) {
                        return row(f);
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (table.equals("tcp")) {
                    return null;
                }
            }
        }
        return GONE;
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
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(selfFd)) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException | RuntimeException closedMeanwhile) {
                    // the descriptor went away while we listed them
                }
            }
        } catch (IOException | RuntimeException e) {
            return byState;
        }
        long deadline = System.nanoTime() + MAX_NANOS;
        int lines = 0;
        for (String table : new String[] {"tcp", "tcp6"}) {
            try (BufferedReader in = Files.newBufferedReader(procNet.resolve(table), StandardCharsets.US_ASCII)) {
                in.readLine();
                for (String line; (line = in.readLine()) != null; ) {
                    if (++lines > MAX_LINES || System.nanoTime() > deadline) {
                        return byState;
                    }
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && inodes.contains(Long.parseLong(f[9]))) {
                        byState.merge(row(f).state(), 1, Integer::sum);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // tcp6 may be absent (IPv6 disabled): count what we have
            }
        }
        return byState;
    }

    /** Fields: sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ... */
    private static Row row(String[] f) {
        int state = Integer.parseInt(f[3], 16);
        String[] queues = f[4].split(":");
        return new Row(state < STATES.length ? STATES[state] : "UNKNOWN", Long.parseLong(queues[0], 16),
                Long.parseLong(queues[1], 16), Long.parseLong(f[9]));
    }

    /** An address and port, compared with /proc's hex form (IPv4 rows, IPv6 rows and v4-mapped IPv6 rows). */
    record Endpoint(byte[] ip4, byte[] ip6, int port) {

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
                    return new Endpoint(ip, mapped, port);
                }
                return new Endpoint(null, ip, port);
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

        /** {@code 0100007F:1F90} (IPv4: one little-endian word) or 32 hex digits (IPv6: four such words). */
        boolean matches(String hex) {
            int colon = hex.indexOf(':');
            if (Integer.parseInt(hex.substring(colon + 1), 16) != port) {
                return false;
            }
            byte[] ip = decode(hex.substring(0, colon));
            return ip.length == 4 ? java.util.Arrays.equals(ip, ip4) : java.util.Arrays.equals(ip, ip6);
        }

        static byte[] decode(String hex) {
            byte[] out = new byte[hex.length() / 2];
            for (int word = 0; word < out.length / 4; word++) {
                for (int b = 0; b < 4; b++) {
                    int at = (word * 4 + (3 - b)) * 2;
                    out[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
                }
            }
            return out;
        }
    }
}
