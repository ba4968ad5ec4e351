package io.socketdoctor.runtime;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What keeps a handler call harmless to the thread it runs on: a per-thread flag against re-entry
 * (our own I/O, or a failure inside our work), the last failure reported on the thread (so the
 * outer site of the same failure does not report it twice), and the switch that turns diagnostics
 * off for good after an internal failure or a call that took too long.
 */
final class HandlerGuard {

    /**
     * A handler call that takes longer than this (blocked, starved) switches diagnostics off when it
     * returns: an in-thread handler cannot be interrupted, but it can make sure it is slow only once.
     */
    static final long SLOW_HANDLER_NANOS = 5_000_000_000L;

    private final ThreadLocal<PerThread> perThread = new ThreadLocal<>() {
        @Override
        protected PerThread initialValue() {
            return new PerThread();
        }
    };
    private volatile boolean enabled = true;
    /** Set by the one thread that switches diagnostics off, so the line on stderr is printed once. */
    private final AtomicBoolean switchedOff = new AtomicBoolean();

    boolean enabled() {
        return enabled;
    }

    PerThread state() {
        return perThread.get();
    }

    /** Ends a call begun at {@code started} ({@link System#nanoTime()}): the thread may enter again. */
    void exit(PerThread state, long started) {
        state.busy = false;
        long took = System.nanoTime() - started;
        if (took > SLOW_HANDLER_NANOS && enabled) {
            fail(new IllegalStateException("a handler call took " + took / 1_000_000 + " ms"));
        }
    }

    /** An internal failure: diagnostics are off from now on, said once on stderr. */
    void fail(Throwable failure) {
        enabled = false;
        if (!switchedOff.compareAndSet(false, true)) {
            return; // another thread already said it
        }
        System.err.println("socket-doctor: internal error (" + failure
                + "); diagnostics are now off, the application is not affected.");
    }

    /** Per-thread state; plain fields, as only its own thread touches it. */
    static final class PerThread {
        boolean busy;
        WeakReference<Throwable> last;

        boolean isLast(Throwable thrown) {
            return last != null && last.get() == thrown;
        }

        void remember(Throwable thrown) {
            last = new WeakReference<>(thrown);
        }
    }
}
