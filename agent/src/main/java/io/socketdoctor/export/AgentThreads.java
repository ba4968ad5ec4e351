package io.socketdoctor.export;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads that mark themselves as the agent's own before they run anything, so that their
 * sockets (the metrics endpoint's, the OTLP exporter's) are never diagnosed or tracked as the
 * application's.
 */
public final class AgentThreads implements ThreadFactory {

    private final String name;
    private final Runnable marker;
    private final AtomicInteger count = new AtomicInteger();

    /** @param marker {@code Diagnostics::markAgentThread}, run first on every new thread */
    public AgentThreads(String name, Runnable marker) {
        this.name = name;
        this.marker = marker;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(new Marked(marker, task), name + "-" + count.incrementAndGet());
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

    /** A class, not a lambda: threads are made before main, where a lambda's first bootstrap costs milliseconds. */
    private static final class Marked implements Runnable {
        private final Runnable marker;
        private final Runnable task;

        Marked(Runnable marker, Runnable task) {
            this.marker = marker;
            this.task = task;
        }

        @Override
        public void run() {
            marker.run(); // first: the thread's sockets are the agent's
            task.run();
        }
    }

    private static final ClassLoader EMPTY = new ClassLoader(null) {
    };
}
