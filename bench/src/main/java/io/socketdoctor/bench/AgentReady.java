package io.socketdoctor.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Workloads wait here before their warm-up until the agent diagnoses a failure (so every
 * configuration measures the same, instrumented code, also with {@code install=background}), and
 * the start-up runs use it to time "every hook in place" and "the agent's start is over".
 */
final class AgentReady {

    private AgentReady() {
    }

    /**
     * Waits until the agent announces itself (the system property {@code io.socketdoctor.session},
     * set once its start, warm-up included, is over), at most {@code timeoutMillis}; at once without
     * the agent (its class is then not on the class path).
     *
     * @return whether an agent announced itself
     */
    static boolean awaitAnnouncement(long timeoutMillis) throws InterruptedException {
        try {
            Class.forName("io.socketdoctor.agent.SocketDoctorAgent", false, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException noAgent) {
            return false;
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.getProperty("io.socketdoctor.session") == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return System.getProperty("io.socketdoctor.session") != null;
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
