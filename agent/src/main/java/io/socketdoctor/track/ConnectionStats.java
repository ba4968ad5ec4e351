package io.socketdoctor.track;

import io.socketdoctor.classify.Api;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of connection lifecycles, incremented on the application's threads (a LongAdder add:
 * no lock, no allocation) and read by the metrics exporter and the status summary.
 */
public final class ConnectionStats {

    /** Which side opened the connection: this JVM connected (client) or accepted it (server). */
    public enum Direction { CLIENT, SERVER }

    private final LongAdder[] opened = adders(Api.values().length * Direction.values().length);
    private final LongAdder[] closed = adders(Api.values().length);
    private final LongAdder[] peerEofs = adders(Api.values().length);
    private final LongAdder closeWaitLeaks = new LongAdder();
    private final LongAdder untracked = new LongAdder();

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    public void opened(Api api, Direction direction) {
        opened[api.ordinal() * Direction.values().length + direction.ordinal()].increment();
    }

    public void closed(Api api) {
        closed[api.ordinal()].increment();
    }

    public void peerEof(Api api) {
        peerEofs[api.ordinal()].increment();
    }

    public void closeWaitLeak() {
        closeWaitLeaks.increment();
    }

    /** A connection the history table had no room for (it is still diagnosed, without history). */
    public void untracked() {
        untracked.increment();
    }

    public long openedCount(Api api, Direction direction) {
        return opened[api.ordinal() * Direction.values().length + direction.ordinal()].sum();
    }

    public long closedCount(Api api) {
        return closed[api.ordinal()].sum();
    }

    public long peerEofCount(Api api) {
        return peerEofs[api.ordinal()].sum();
    }

    public long closeWaitLeakCount() {
        return closeWaitLeaks.sum();
    }

    public long untrackedCount() {
        return untracked.sum();
    }
}
