package io.socketdoctor.it.probe;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bursts of connection resets on loopback while the kernel's TCP table is slow to read, for
 * {@code KernelStateRaceIT}: the moment a read of /proc/net/tcp by the agent is most likely to
 * be under way while a connection it has already copied as ESTABLISHED is reset.
 *
 * <p>{@code ResetBurstProbe <idle> <millis> <gapMillis> <batch>}: opens {@code idle} loopback
 * connections that stay open (more rows: every read of the table walks them), starts a thread
 * that reads /proc/net/tcp and tcp6 in a loop (the agent's reads compete with it), then for
 * {@code millis} ms opens {@code batch} connections at a time and resets them one by one,
 * {@code gapMillis} apart: the server's end closes with SO_LINGER 0 (the kernel sends RST) and the
 * client's read fails with "Connection reset". Prints {@code resets=<n> unexpected=<n> procReads=<n>
 * procReadMicros=<n>} (the reader's CPU time per read of both tables).
 * Everything is bounded in count and time; nothing leaves 127.0.0.1.
 */
public final class ResetBurstProbe {

    private static final int MAX_RESETS = 5_000;

    private ResetBurstProbe() {
    }

    public static void main(String[] args) throws Exception {
        int idle = Integer.parseInt(args[0]);
        long millis = Long.parseLong(args[1]);
        long gapMillis = Long.parseLong(args[2]);
        int batch = Integer.parseInt(args[3]);
        AgentReady.await();
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        List<Socket> open = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 1000, loopback)) {
            for (int i = 0; i < idle; i++) {
                open.add(new Socket(loopback, server.getLocalPort()));
                open.add(server.accept());
            }
            long deadline = System.nanoTime() + millis * 1_000_000L;
            AtomicLong procReads = new AtomicLong();
            AtomicLong procCpuNanos = new AtomicLong();
            Thread reader = new Thread(() -> readProc(deadline, procReads, procCpuNanos), "proc-reader");
            reader.setDaemon(true);
            reader.start();
            int resets = 0;
            int unexpected = 0;
            while (System.nanoTime() - deadline < 0 && resets + unexpected < MAX_RESETS) {
                Socket[] clients = new Socket[batch];
                Socket[] accepted = new Socket[batch];
                for (int i = 0; i < batch; i++) {
                    clients[i] = new Socket(loopback, server.getLocalPort());
                    clients[i].setSoTimeout(2_000);
                    accepted[i] = server.accept();
                }
                for (int i = 0; i < batch; i++) {
                    accepted[i].setSoLinger(true, 0);
                    accepted[i].close(); // RST: the client's end is dropped by the kernel at once
                    try {
                        clients[i].getInputStream().read();
                        unexpected++;
                    } catch (SocketException e) {
                        if ("Connection reset".equals(e.getMessage())) {
                            resets++;
                        } else {
                            unexpected++;
                            System.out.println("unexpected: " + e);
                        }
                    } finally {
                        clients[i].close();
                    }
                    Thread.sleep(gapMillis);
                }
            }
            reader.join(5_000);
            System.out.println("resets=" + resets + " unexpected=" + unexpected + " procReads=" + procReads.get()
                    + " procReadMicros=" + procCpuNanos.get() / Math.max(1, procReads.get()) / 1000);
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
        Thread.sleep(1_500); // the agent holds an event up to a second for a read of /proc: let it write them all
    }

    /**
     * Reads the kernel's TCP tables over and over until the deadline; counts the reads and the CPU
     * time they took (what one read costs the agent too, which spaces its reads by 20 times that).
     */
    private static void readProc(long deadline, AtomicLong reads, AtomicLong cpuNanos) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] buffer = new byte[64 << 10];
        long cpuBefore = threads.getCurrentThreadCpuTime();
        while (System.nanoTime() - deadline < 0) {
            for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
                try (InputStream in = new FileInputStream(table)) {
                    while (in.read(buffer) > 0) {
                        // the kernel formats each chunk as it is read: that is the work wanted
                    }
                } catch (IOException e) {
                    return;
                }
            }
            reads.incrementAndGet();
            cpuNanos.set(threads.getCurrentThreadCpuTime() - cpuBefore);
        }
    }
}
