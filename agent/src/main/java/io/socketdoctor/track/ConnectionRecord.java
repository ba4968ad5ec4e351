package io.socketdoctor.track;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import java.lang.ref.WeakReference;

/**
 * What Socket Doctor remembers of one open connection. The socket itself is held weakly: the
 * record never keeps the application's objects alive. Read and write times live in the shared
 * connection table (see {@link ConnectionTable}), where the bridge stamps them without a call.
 *
 * <p>One object per connection, made on the application's thread at every connect and accept, so
 * it is kept small (72 bytes with compressed references): the record is its own weak reference,
 * holds only what every connection's open, EOF and close need, and keeps what few connections
 * need (addresses, a reset, a shutdown) in a second object made at the first need. The opening
 * thread's name is the thread's own string, and call sites are kept only within a budget (see
 * {@code Tracker}), so nothing else is made per connection.
 */
public final class ConnectionRecord extends WeakReference<Object> {

    private static final Api[] APIS = Api.values();

    /** The socket's identity hash, as the table's key is made of it (see {@link Bridge#keyOf}). */
    private final int hash;
    /** This record's slot offset in the current table; changes when the table grows. */
    volatile int slot;
    private final byte api;
    private final boolean server;
    public final long openedAt;
    /** The name of the thread that connected or accepted it (the thread's own string: nothing copied). */
    final String openThread;
    /** Where it was opened, for the connections the site budget allowed; null for the others. */
    volatile CapturedSite openSite;
    volatile long eofAt;
    volatile CapturedSite eofSite;
    volatile boolean warnedPeerClose;
    /** Reported as a CLOSE_WAIT leak, by whichever path saw it first (EOF read, or the kernel's census). */
    volatile boolean leakChecked;
    private volatile Rare rare;

    /** What few connections need: made at the first need (a failure, a shutdown, a look at its addresses). */
    static final class Rare {
        volatile String local;
        volatile String remote;
        volatile boolean addressesRead;
        volatile long resetAt;
        volatile String resetErrno;
        volatile boolean warnedReset;
        volatile boolean outputShutdown;
        volatile boolean inputShutdown;
        /** Both ends as the census compares them (see {@link KernelTcp#pairKey}); "" where they cannot be. */
        String procKey;
        /** When the census first saw it in CLOSE_WAIT, on the tracker's clock (0: not in CLOSE_WAIT). Tracker thread only. */
        long closeWaitSince;
    }

    ConnectionRecord(Object owner, int hash, Api api, ConnectionStats.Direction direction, long openedAt,
                     String local, String remote, String openThread) {
        super(owner);
        this.hash = hash;
        this.api = (byte) api.ordinal();
        this.server = direction == ConnectionStats.Direction.SERVER;
        this.openedAt = openedAt;
        this.openThread = openThread;
        if (local != null || remote != null) {
            Rare r = new Rare();
            r.local = local;
            r.remote = remote;
            rare = r;
        }
    }

    /** The table's key of this connection: {@link Bridge#keyOf} of its socket. */
    long key() {
        return (hash & 0xffffffffL) | (1L << 32);
    }

    public Api api() {
        return APIS[api];
    }

    public ConnectionStats.Direction direction() {
        return server ? ConnectionStats.Direction.SERVER : ConnectionStats.Direction.CLIENT;
    }

    /** The rarely needed part, made now if it was not (rare paths only: never a successful read or write). */
    Rare rare() {
        Rare r = rare;
        if (r == null) {
            synchronized (this) {
                r = rare;
                if (r == null) {
                    r = new Rare();
                    rare = r;
                }
            }
        }
        return r;
    }

    /** The rarely needed part, or null if nothing needed it yet. */
    Rare rareIfAny() {
        return rare;
    }

    /** Reads both ends of a connection (a getsockname and a getpeername: not worth doing at every open). */
    public interface AddressReader {
        /** {@code {local, remote}} as {@code ip:port}, either may be null. */
        String[] read(Object connection);
    }

    /**
     * Both ends, read from the socket the first time someone needs them (most connections never
     * fail and never need them); null where the socket is gone or cannot tell.
     */
    public String[] addresses(AddressReader reader) {
        Rare r = rare();
        if (!r.addressesRead && r.local == null && r.remote == null) {
            Object connection = get();
            if (connection != null) {
                String[] both = reader.read(connection);
                r.local = both[0];
                r.remote = both[1];
            }
            r.addressesRead = true;
        }
        return new String[] {r.local, r.remote};
    }

    /**
     * Both ends as a failing call on this same socket has just read them: kept as if read here,
     * so that a failure does not ask the kernel for them twice (a getsockname each time).
     */
    public void addressesKnown(String local, String remote) {
        Rare r = rare();
        if (!r.addressesRead && r.local == null && r.remote == null) {
            r.local = local;
            r.remote = remote;
            r.addressesRead = true;
        }
    }

    public String local() {
        Rare r = rare;
        return r == null ? null : r.local;
    }

    public String remote() {
        Rare r = rare;
        return r == null ? null : r.remote;
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
        Rare r = rare;
        return r == null ? 0 : r.resetAt;
    }

    public String resetErrno() {
        Rare r = rare;
        return r == null ? null : r.resetErrno;
    }

    public boolean outputShutdown() {
        Rare r = rare;
        return r != null && r.outputShutdown;
    }

    /** The name of the thread that opened it, or null if unknown. */
    public String openThread() {
        return openThread;
    }

    /** Where it was opened, resolved to text on first use; null where not kept. */
    public String openSite() {
        CapturedSite site = openSite;
        return site == null ? null : site.text();
    }

    boolean collected() {
        return get() == null;
    }
}
