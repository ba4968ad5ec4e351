package io.socketdoctor.it.probe;

/**
 * For the probes' "first failure loads no class" checks: with the agent, its warm-up runs on its
 * own thread right after the install, and the agent announces itself (the system property
 * {@code io.socketdoctor.session}) when that is done. A probe that measures what its first
 * failure loads waits for that first, so the warm-up's own class loading is not counted.
 */
final class AgentReady {

    private AgentReady() {
    }

    static void await() throws InterruptedException {
        try {
            Class.forName("io.socketdoctor.agent.SocketDoctorAgent", false, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException noAgent) {
            return;
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.getProperty("io.socketdoctor.session") == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (System.getProperty("io.socketdoctor.session") == null) {
            throw new IllegalStateException("the agent did not announce itself within 10 s");
        }
        // The warm-up thread announces, then ends: a thread that did socket I/O loads classes as it
        // ends (JDK 25: TerminatingThreadLocal's IdentityHashMap iterators), which must not land
        // among the first failure's.
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("socket-doctor-warm-up")) {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
        }
    }
}
