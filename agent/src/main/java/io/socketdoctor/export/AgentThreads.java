package io.socketdoctor.export;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads that mark themselves as the agent's own before they run anything, so that their
 * sockets (the metrics endpoint's) are never diagnosed or tracked as the application's.
 */
final class AgentThreads implements ThreadFactory {

    private final String name;
    private final Runnable marker;
    private final AtomicInteger count = new AtomicInteger();

    /** @param marker {@code Diagnostics::markAgentThread}, run first on every new thread */
    AgentThreads(String name, Runnable marker) {
        this.name = name;
        this.marker = marker;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(() -> {
            marker.run();
            task.run();
        }, name + "-" + count.incrementAndGet());
        thread.setDaemon(true);
        // An empty loader: libraries that look up resources through it (the Prometheus client reads
        // prometheus.properties) never pick up the application's files.
        thread.setContextClassLoader(EMPTY);
        return thread;
    }

    /** Runs {@code task} on a new agent thread and waits for it at most {@code millis}. */
    Thread runAndWait(Runnable task, long millis) throws InterruptedException {
        Thread thread = newThread(task);
        thread.start();
        thread.join(millis);
        return thread;
    }

    private static final ClassLoader EMPTY = new ClassLoader(null) {
    };
}
