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

    /**
     * Whether a connection can be counted as opened with this API and direction: the pairs the
     * bridge's opening sites ({@code hook.HookSites}) reach through {@link Tracker#onEvent}, where a
     * connect is a client and an accept a server. An accepted {@code Socket} is counted under the
     * accepting site's API, {@code server_socket} ({@code ServerSocket.implAccept}), an accepted
     * {@code SocketChannel} under {@code server_channel}, an accepted
     * {@code AsynchronousSocketChannel} under {@code async} (its own constructor reports it). No
     * other pair is ever counted: the metrics declare a series for these only. {@code
     * ConnectionOpeningsTest} fails when a site reaches another pair.
     */
    public static boolean canOpen(Api api, Direction direction) {
        return switch (api) {
            case SOCKET, CHANNEL -> direction == Direction.CLIENT;
            case SERVER_SOCKET, SERVER_CHANNEL -> direction == Direction.SERVER;
            case ASYNC -> true;
            case ASYNC_SERVER, DATAGRAM, NETTY -> false;
        };
    }

    /**
     * Whether connections of this API can be counted at all (closed, peer EOF): a connection keeps
     * the API it was opened with, so these are the APIs {@link #canOpen} allows in either direction.
     */
    public static boolean counts(Api api) {
        return canOpen(api, Direction.CLIENT) || canOpen(api, Direction.SERVER);
    }

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
