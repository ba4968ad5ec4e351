package io.socketdoctor.track;

import io.socketdoctor.classify.Api;
import java.lang.ref.WeakReference;

/**
 * What Socket Doctor remembers of one open connection. The socket itself is held weakly: the
 * record never keeps the application's objects alive. Read and write times live in the shared
 * connection table (see {@link ConnectionTable}), where the bridge stamps them without a call.
 */
public final class ConnectionRecord {

    final WeakReference<Object> owner;
    final long key;
    /** This record's slot offset in the current table; changes when the table grows. */
    volatile int slot;

    public final Api api;
    public final ConnectionStats.Direction direction;
    public final long openedAt;
    volatile String local;
    volatile String remote;

    volatile long eofAt;
    volatile CapturedSite eofSite;
    volatile long resetAt;
    volatile String resetErrno;
    volatile boolean outputShutdown;
    volatile boolean inputShutdown;
    volatile boolean warnedPeerClose;
    volatile boolean warnedReset;
    volatile boolean leakChecked;

    ConnectionRecord(Object owner, long key, Api api, ConnectionStats.Direction direction, long openedAt,
                     String local, String remote) {
        this.owner = new WeakReference<>(owner);
        this.key = key;
        this.api = api;
        this.direction = direction;
        this.openedAt = openedAt;
        this.local = local;
        this.remote = remote;
    }

    /** Reads both ends of a connection (a getsockname and a getpeername: not worth doing at every open). */
    public interface AddressReader {
        /** {@code {local, remote}} as {@code ip:port}, either may be null. */
        String[] read(Object connection);
    }

    private volatile boolean addressesRead;

    /**
     * Both ends, read from the socket the first time someone needs them (most connections never
     * fail and never need them); null where the socket is gone or cannot tell.
     */
    public String[] addresses(AddressReader reader) {
        if (!addressesRead && local == null && remote == null) {
            Object connection = owner.get();
            if (connection != null) {
                String[] both = reader.read(connection);
                local = both[0];
                remote = both[1];
            }
            addressesRead = true;
        }
        return new String[] {local, remote};
    }

    /**
     * Both ends as a failing call on this same socket has just read them: kept as if read here,
     * so that a failure does not ask the kernel for them twice (a getsockname each time).
     */
    public void addressesKnown(String local, String remote) {
        if (!addressesRead && this.local == null && this.remote == null) {
            this.local = local;
            this.remote = remote;
            addressesRead = true;
        }
    }

    public String local() {
        return local;
    }

    public String remote() {
        return remote;
    }

    public long eofAt() {
        return eofAt;
    }

    /** Where this side read the peer's EOF, resolved to text on first use; null if unknown. */
    public String eofSite() {
        CapturedSite site = eofSite;
        return site == null ? null : site.text();
    }

    public long resetAt() {
        return resetAt;
    }

    public String resetErrno() {
        return resetErrno;
    }

    public boolean outputShutdown() {
        return outputShutdown;
    }

    boolean collected() {
        return owner.get() == null;
    }
}
