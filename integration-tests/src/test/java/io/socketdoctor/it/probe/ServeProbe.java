package io.socketdoctor.it.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;

/**
 * A long-running "service" for AttachIT: every ~200 ms it makes one socket fail on loopback
 * (connection refused, alternately through {@code Socket} and {@code SocketChannel}) and prints
 * one line per failure to stdout, including whether the exception carries a Socket Doctor
 * diagnosis (a suppressed {@code [socket-doctor]} throwable). Started without the agent; the test
 * attaches and detaches while it runs.
 *
 * <p>Bounded: it stops by itself after the given number of seconds (default 120) or failures.
 *
 * <pre>java -cp test-classes io.socketdoctor.it.probe.ServeProbe [seconds] [interval-ms]</pre>
 */
public final class ServeProbe {

    private ServeProbe() {
    }

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 120;
        long interval = args.length > 1 ? Long.parseLong(args[1]) : 200;
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long maxFailures = seconds * 1000 / Math.max(1, interval) + 1;
        System.out.println("serve-probe ready pid=" + ProcessHandle.current().pid());
        for (long n = 1; n <= maxFailures && System.nanoTime() < deadline; n++) {
            int port = closedPort(loopback);
            boolean channel = n % 2 == 0;
            try {
                if (channel) {
                    try (SocketChannel c = SocketChannel.open()) {
                        c.connect(new InetSocketAddress(loopback, port));
                    }
                } else {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(loopback, port), 2_000);
                    }
                }
                System.out.println("failure " + n + " did not happen: port " + port + " answered");
            } catch (IOException e) {
                System.out.println("failure " + n + " " + (channel ? "channel" : "socket") + " " + e
                        + " diagnosed=" + diagnosed(e));
            }
            Thread.sleep(interval);
        }
        System.out.println("serve-probe done");
    }

    private static boolean diagnosed(Throwable t) {
        for (Throwable s : t.getSuppressed()) {
            if (String.valueOf(s.getMessage()).startsWith("[socket-doctor]")) {
                return true;
            }
        }
        return String.valueOf(t.getMessage()).contains("[socket-doctor");
    }

    /** A loopback port nothing listens on (it was just closed). */
    private static int closedPort(InetAddress loopback) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            return server.getLocalPort();
        }
    }
}
