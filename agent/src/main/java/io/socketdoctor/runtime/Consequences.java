package io.socketdoctor.runtime;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last reported root failure of recently failed connections, so that what follows from it on
 * the same connection (a client library closing the channel after a refused connect, a write after
 * a reset) is reported as its consequence instead of as a new problem. Bounded: a fixed number of
 * slots by the connection's identity hash, the newest root wins a slot; a root lost that way only
 * means its consequence is reported as a root, as before. Lock-free, and only on failure paths.
 */
final class Consequences {

    /** A failure this long after the root on the same connection is its own story again. */
    static final long WINDOW_NANOS = 2_000_000_000L;
    private static final int SLOTS = 256;

    /** A reported failure that later failures on the same connection may follow from. */
    record Root(WeakReference<Object> connection, String errno, String cause, String kind, long nanos) {
    }

    private final AtomicReferenceArray<Root> roots = new AtomicReferenceArray<>(SLOTS);

    /** The root this failure at {@code now} (nanoTime) follows, or null. */
    Root rootOf(Object connection, long now) {
        if (connection == null) {
            return null;
        }
        Root root = roots.get(slot(connection));
        return root != null && root.connection().get() == connection && now - root.nanos() <= WINDOW_NANOS
                ? root : null;
    }

    void remember(Object connection, String errno, String cause, String kind, long now) {
        if (connection != null) {
            roots.set(slot(connection), new Root(new WeakReference<>(connection), errno, cause, kind, now));
        }
    }

    /** Loads what {@link #remember} uses, without remembering anything (the warm-up's failure is no root). */
    static void warmUp() {
        new Root(null, null, null, null, 0).kind();
    }

    private static int slot(Object connection) {
        int h = System.identityHashCode(connection);
        return (h ^ (h >>> 16)) & (SLOTS - 1);
    }
}
