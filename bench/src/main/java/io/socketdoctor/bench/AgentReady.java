package io.socketdoctor.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The agent instruments on a background thread by default, so a JVM's first second may run
 * without hooks. Workloads wait here before their warm-up (so every configuration measures
 * the same, instrumented code), and the start-up run uses it to time "every hook in place".
 */
final class AgentReady {

    private AgentReady() {
    }

    /** True when this JVM was started with the Socket Doctor agent. */
    static boolean agentPresent() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-javaagent:") && a.contains("socket-doctor"));
    }

    /**
     * Connects to a closed loopback port every 2 ms until the refusal carries the agent's
     * diagnosis (a suppressed exception, the default enrichment), at most {@code timeoutMillis}.
     *
     * @return {@link System#nanoTime()} when the first diagnosed refusal came back, or -1
     */
    static long awaitFirstDiagnosis(long timeoutMillis) throws IOException, InterruptedException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, loopback)) {
            port = closed.getLocalPort();
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(loopback, port), 1_000);
            } catch (IOException e) {
                if (e.getSuppressed().length > 0) {
                    return System.nanoTime();
                }
            }
            Thread.sleep(2);
        }
        return -1;
    }
}
