package io.socketdoctor.track;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.config.Config;
import java.util.List;
import java.util.Map;

/**
 * Connection histories: registers connections as they open, remembers the peer's EOF, resets and
 * this side's shutdowns, decides when a write deserves a warning, and, on its own thread, ticks
 * the bridge's clock, frees the slots of collected sockets and finds CLOSE_WAIT leaks.
 */
public final class Tracker implements AutoCloseable {

    private static final long TICK_MILLIS = 100;
    private static final long SWEEP_MILLIS = 1000;
    private static final long CENSUS_MILLIS = 10_000;
    /**
     * The budget of call sites captured, for opens and for EOFs each: a bucket of
     * {@value #SITE_BURST} captures, refilled by {@value #SITES_PER_TICK} at every tick (100 ms).
     * A site is a Throwable's bare stack (about 0.6 KB and a microsecond; resolved on the tracker's
     * thread only for the connections that outlive a sweep). A program that opens a pool of
     * connections at once, or opens and reads EOF on a few a second, has every site; under churn
     * the rest go without (null), so a connection costs its thread about one object, the record,
     * whatever the rate.
     */
    static final int SITE_BURST = 32;
    static final int SITES_PER_TICK = 2;
    /** Distinct site texts shared between records (a pool opens all its connections from one place). */
    private static final int MAX_SHARED_SITES = 1024;
    /** "Moments after accept", for the reset-while-queued diagnosis. */
    private static final long FRESH_ACCEPT_MILLIS = 2000;

    /**
     * Something worth an event that is not an exception: the note's id and the connection.
     *
     * @param type   the event's type: the note's id, or the kind the note is a case of ({@code close_wait_leak}
     *               for {@code close_wait_leak_unread})
     * @param figure the number the note's text shows: the socket count as {@code {count}}
     *               (census), a period in ms as {@code {quiet}} (the quiet period of a stale connection,
     *               the time a connection has been seen in CLOSE_WAIT)
     */
    public record Notice(String type, String note, Op op, ConnectionRecord record, String site, long figure) {

        /** A notice whose event type is its note's id. */
        public Notice(String note, Op op, ConnectionRecord record, String site, long figure) {
            this(note, note, op, record, site, figure);
        }
    }

    /** Receives the notices the tracker's own thread finds (leaks, census). */
    public interface NoticeSink {
        void notice(Notice notice);
    }

    private final ConnectionTable table;
    private final ConnectionStats stats;
    private final KernelTcp kernel;
    private final Config config;
    private final AgentClock clock;
    private final Thread thread;
    private NoticeSink sink;
    private Runnable agentThreadMarker;
    private volatile boolean running = true;
    private volatile Object warmUpConnection;
    private final ConnectionStats warmUpStats = new ConnectionStats();
    /** What else runs on this thread at every tick (see {@link #onTick}). */
    private final java.util.concurrent.CopyOnWriteArrayList<Runnable> onTick =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private int lastCloseWaitCensus;
    /** Site captures left (see {@link #SITE_BURST}); refilled by the tracker's thread. */
    private final java.util.concurrent.atomic.AtomicInteger openSites =
            new java.util.concurrent.atomic.AtomicInteger(SITE_BURST);
    private final java.util.concurrent.atomic.AtomicInteger eofSites =
            new java.util.concurrent.atomic.AtomicInteger(SITE_BURST);
    /** Site texts by themselves, so that records opened at one place share one string; tracker thread only. */
    private final Map<String, String> sharedSites = new java.util.HashMap<>();

    public Tracker(ConnectionTable table, ConnectionStats stats, KernelTcp kernel, Config config) {
        this(table, stats, kernel, config, AgentClock.monotonic());
    }

    /** A tracker on {@code clock} (a test's fake clock; else {@link AgentClock#monotonic()}). */
    public Tracker(ConnectionTable table, ConnectionStats stats, KernelTcp kernel, Config config, AgentClock clock) {
        this.table = table;
        this.stats = stats;
        this.kernel = kernel;
        this.config = config;
        this.clock = clock;
        this.thread = new Thread(new Loop(), "socket-doctor-tracker");
        this.thread.setDaemon(true);
    }

    private ConnectionRecord.AddressReader addresses = NoAddresses.INSTANCE;

    // Classes, not lambdas: each lambda spins a class while the JVM starts.
    private static final class NoAddresses implements ConnectionRecord.AddressReader {
        static final NoAddresses INSTANCE = new NoAddresses();

        @Override
        public String[] read(Object connection) {
            return new String[2];
        }
    }

    private final class Loop implements Runnable {
        @Override
        public void run() {
            Tracker.this.run();
        }
    }

    public void start(NoticeSink sink, ConnectionRecord.AddressReader addresses, Runnable agentThreadMarker) {
        wire(sink, addresses, agentThreadMarker);
        table.tick(clock.millis());
        thread.start();
    }

    /** Where notices go and how addresses are read, without starting the thread (the tests drive it). */
    void wire(NoticeSink sink, ConnectionRecord.AddressReader addresses, Runnable agentThreadMarker) {
        this.sink = sink;
        this.addresses = addresses;
        this.agentThreadMarker = agentThreadMarker;
    }

    /**
     * Now on the histories' one clock (see {@link AgentClock}): the time to pass as {@code now}
     * to {@link #onEvent}, {@link #failed} and {@link Histories#of}, whose stamps it is compared with.
     */
    public long now() {
        return clock.millis();
    }

    /**
     * Runs {@code task} on the tracker's thread at every tick (100 ms), e.g. to publish the status
     * for the CLI or to report a hook that did not take: a thread the agent has anyway, never an
     * application thread. The task must be cheap and bounded; what it throws is ignored.
     */
    public void onTick(Runnable task) {
        onTick.addIfAbsent(task);
    }

    /** Stops running {@code task} at every tick. */
    public void removeOnTick(Runnable task) {
        onTick.remove(task);
    }

    public ConnectionTable table() {
        return table;
    }

    /**
     * A lifecycle event from the bridge, on the application's thread.
     *
     * @return a notice to report (a write after the peer left, a stale pooled connection), or null
     */
    public Notice onEvent(Object connection, Api api, Op op, int event, String local, String remote,
                          CallSiteSupplier callSite, long now) {
        switch (event) {
            case Bridge.OPENED -> {
                ConnectionStats.Direction direction = op == Op.ACCEPT
                        ? ConnectionStats.Direction.SERVER : ConnectionStats.Direction.CLIENT;
                statsFor(connection).opened(api, direction);
                ConnectionRecord r = table.register(connection, api, direction, now, local, remote,
                        Thread.currentThread().getName());
                if (r == null) {
                    statsFor(connection).untracked();
                } else if (take(openSites)) {
                    r.openSite = callSite.capture();
                }
                return null;
            }
            case Bridge.CLOSED -> {
                ConnectionRecord r = table.remove(connection);
                if (r != null) {
                    statsFor(connection).closed(r.api());
                }
                return null;
            }
            case Bridge.SHUTDOWN_OUTPUT, Bridge.SHUTDOWN_INPUT -> {
                ConnectionRecord r = table.lookup(connection);
                if (r != null) {
                    if (event == Bridge.SHUTDOWN_OUTPUT) {
                        r.rare().outputShutdown = true;
                    } else {
                        r.rare().inputShutdown = true;
                    }
                }
                return null;
            }
            case Bridge.PEER_EOF -> {
                return peerEof(table.lookup(connection), statsFor(connection), callSite, now);
            }
            case Bridge.WRITE_WARNING -> {
                return writeWarning(table.lookup(connection), callSite);
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * The warm-up's fake connection: counted in a throw-away {@link ConnectionStats}, never in the
     * real ones, which the application's own connections may be updating at the same time.
     */
    public void warmUpWith(Object connection) {
        warmUpConnection = connection;
    }

    private ConnectionStats statsFor(Object connection) {
        return connection == warmUpConnection ? warmUpStats : stats;
    }

    /** The application's call site, computed only when needed (it costs a stack walk). */
    public interface CallSiteSupplier {
        String get();

        /** The site kept for later (an EOF's): by default resolved now. */
        default CapturedSite capture() {
            return CapturedSite.of(get());
        }
    }

    private Notice peerEof(ConnectionRecord r, ConnectionStats counts, CallSiteSupplier callSite, long now) {
        if (r == null || r.eofAt != 0) {
            return null; // untracked, or a repeated EOF read
        }
        long lastRead = table.lastRead(r);
        long lastWrite = table.lastWrite(r);
        long quietSince = Math.max(r.openedAt, lastRead);
        // How long the connection sat unused before the exchange that ended in this EOF.
        long quiet = (lastWrite > quietSince ? lastWrite : now) - quietSince;
        boolean stale = quiet >= config.idleAfterMillis();
        // A stale connection is reported now, with its site: that one is never left to the budget.
        r.eofSite = stale || take(eofSites) ? callSite.capture() : null;
        r.eofAt = Math.max(now, r.openedAt);
        counts.peerEof(r.api());
        table.warnOnWrite(r, true);
        if (stale) {
            return new Notice("stale_connection", Op.READ, r, r.eofSite(), quiet);
        }
        return null;
    }

    /** One site capture from {@code budget}, if any is left in this tick: no lock, no allocation. */
    private static boolean take(java.util.concurrent.atomic.AtomicInteger budget) {
        return budget.get() > 0 && budget.getAndDecrement() > 0;
    }

    /** Adds this tick's captures to {@code budget}, up to the burst (tracker thread; bounded retries). */
    private static void refill(java.util.concurrent.atomic.AtomicInteger budget) {
        for (int attempt = 0; attempt < 4; attempt++) {
            int left = budget.get();
            if (budget.compareAndSet(left, Math.min(SITE_BURST, Math.max(left, 0) + SITES_PER_TICK))) {
                return;
            }
        }
    }

    /** A write on a connection whose peer closed or reset it: one warning per connection and kind. */
    public Notice writeWarning(ConnectionRecord r, CallSiteSupplier callSite) {
        if (r == null) {
            return null;
        }
        Notice notice = null;
        ConnectionRecord.Rare rare = r.rareIfAny();
        boolean reset = rare != null && rare.resetAt != 0;
        if (reset && !rare.warnedReset) {
            rare.warnedReset = true;
            notice = new Notice("write_after_reset", Op.WRITE, r, callSite.get(), 0);
        } else if (!reset && r.eofAt != 0 && !r.warnedPeerClose) {
            r.warnedPeerClose = true;
            notice = new Notice("write_after_peer_close", Op.WRITE, r, callSite.get(), 0);
        }
        boolean more = (reset && !rare.warnedReset) || (!reset && r.eofAt != 0 && !r.warnedPeerClose);
        table.warnOnWrite(r, more);
        return notice;
    }

    /** A failure on a tracked connection; a reset (or broken pipe) is remembered for later writes. */
    public void failed(ConnectionRecord r, String errno, long now) {
        if (r == null || errno == null) {
            return;
        }
        if (r.resetAt() == 0 && (errno.equals("ECONNRESET") || errno.equals("EPIPE") || errno.equals("ETIMEDOUT")
                || errno.equals("ECONNABORTED"))) {
            ConnectionRecord.Rare rare = r.rare();
            rare.resetErrno = errno;
            rare.resetAt = Math.max(now, r.openedAt);
            table.warnOnWrite(r, !rare.warnedReset);
        }
    }

    public ConnectionRecord lookup(Object connection) {
        return connection == null ? null : table.lookup(connection);
    }

    /** A connection that was accepted moments ago and has had nothing read from it. */
    public boolean freshAccept(ConnectionRecord r, long now) {
        return r != null && r.direction() == ConnectionStats.Direction.SERVER
                && now - r.openedAt <= FRESH_ACCEPT_MILLIS && table.lastRead(r) == 0;
    }

    public boolean idle(ConnectionRecord r, long now) {
        if (r == null) {
            return false;
        }
        long lastIo = Math.max(r.openedAt, Math.max(table.lastRead(r), table.lastWrite(r)));
        return now - lastIo >= config.idleAfterMillis();
    }

    private void run() {
        agentThreadMarker.run();
        long nextSweep = 0;
        long censusMillis = censusMillis(config.closeWaitAfterMillis());
        long nextCensus = clock.millis() + censusMillis;
        while (running) {
            try {
                long now = clock.millis();
                table.tick(now);
                refill(openSites);
                refill(eofSites);
                for (Runnable task : onTick) {
                    try {
                        task.run();
                    } catch (Throwable ignored) {
                        // a stale status, a late report: the clock must go on
                    }
                }
                if (now >= nextSweep) {
                    nextSweep = now + SWEEP_MILLIS;
                    findLeaks(table.sweep(), now);
                }
                if (now >= nextCensus) {
                    nextCensus = now + censusMillis;
                    census(table.sweep(), now);
                }
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // A bad /proc or a bug must not kill the clock; the next round tries again.
            }
        }
    }

    /** Connections whose peer closed long ago and that this side still has not closed. */
    void findLeaks(List<ConnectionRecord> live, long now) {
        KernelTcp.Snapshot kernelNow = null; // one read of /proc for all the leaks of this round
        boolean read = false;
        for (ConnectionRecord r : live) {
            // Still open: resolve the sites now and drop the stacks they kept.
            share(r.openSite);
            if (r.eofAt != 0) {
                share(r.eofSite);
            }
            if (r.eofAt == 0 || r.leakChecked || now - r.eofAt < config.closeWaitAfterMillis()) {
                continue;
            }
            r.leakChecked = true;
            String[] ends = r.addresses(addresses);
            if (!read) {
                kernelNow = kernel.snapshot();
                read = true;
            }
            KernelTcp.Row row = kernelNow == null ? null : kernelNow.find(ends[0], ends[1]);
            // Confirmed by the kernel where it can tell; reported unconfirmed where /proc is not there.
            if (row == null || "CLOSE_WAIT".equals(row.state())) {
                stats.closeWaitLeak();
                sink.notice(new Notice("close_wait_leak", Op.CLOSE, r, r.eofSite(), 0));
            }
        }
    }

    /** Resolves {@code site} and makes it share its text with the records opened at the same place. */
    private void share(CapturedSite site) {
        if (site == null || site.resolved()) {
            return;
        }
        String text = site.text();
        if (text == null) {
            return;
        }
        String shared = sharedSites.get(text);
        if (shared != null) {
            site.share(shared);
        } else if (sharedSites.size() < MAX_SHARED_SITES) {
            sharedSites.put(text, text);
        }
    }

    /**
     * How often the census reads the kernel's tables: every 10 s, or every {@code closewait.after}
     * when that is shorter (at least every second), so a leak is reported within about
     * {@code closewait.after} plus one interval.
     */
    static long censusMillis(long closeWaitAfterMillis) {
        return Math.max(1000, Math.min(CENSUS_MILLIS, closeWaitAfterMillis));
    }

    /**
     * Leaks in code paths that never read the EOF (a pool holding connections the server closed)
     * show only in the kernel. One read of the tables serves all: this process's sockets in
     * CLOSE_WAIT are matched to the tracked connections by both ends (read and kept in the record,
     * on this thread, only when some socket is in CLOSE_WAIT at all). A connection seen in
     * CLOSE_WAIT for {@code closewait.after} is reported once, by name; one that read its EOF is
     * the EOF path's (see {@link #findLeaks}). The sockets no record explains are reported as a
     * count when it rises.
     */
    void census(List<ConnectionRecord> live, long now) {
        KernelTcp.CloseWaitRows rows = kernel.closeWaitRows();
        if (rows == null) {
            return; // unknown this time: neither a rise nor a fall
        }
        int unexplained = rows.count();
        for (ConnectionRecord r : live) {
            ConnectionRecord.Rare rare = rows.count() == 0 ? r.rareIfAny() : r.rare();
            if (rare == null) {
                continue;
            }
            String key = rows.count() == 0 ? null : procKey(r, rare);
            if (key == null || !rows.pairs().contains(key)) {
                rare.closeWaitSince = 0;
                continue;
            }
            unexplained--;
            if (r.leakChecked || r.eofAt != 0) {
                continue; // reported already, or the EOF path's
            }
            if (rare.closeWaitSince == 0) {
                rare.closeWaitSince = now;
            }
            long inCloseWait = now - rare.closeWaitSince;
            if (inCloseWait >= config.closeWaitAfterMillis()) {
                r.leakChecked = true;
                share(r.openSite);
                stats.closeWaitLeak();
                sink.notice(new Notice("close_wait_leak", "close_wait_leak_unread", Op.CLOSE, r, r.openSite(),
                        inCloseWait));
            }
        }
        unexplained = Math.max(0, unexplained);
        if (unexplained > lastCloseWaitCensus) {
            sink.notice(new Notice("close_wait_census", Op.CLOSE, null, null, unexplained));
        }
        lastCloseWaitCensus = unexplained;
    }

    /** Both ends of {@code r} as the census compares them: read once (a getsockname and a getpeername), then kept. */
    private String procKey(ConnectionRecord r, ConnectionRecord.Rare rare) {
        String key = rare.procKey;
        if (key == null) {
            String[] ends = r.addresses(addresses);
            key = KernelTcp.pairKey(ends[0], ends[1]);
            if (key == null) {
                key = "";
            }
            rare.procKey = key;
        }
        return key.isEmpty() ? null : key;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(1000);
    }
}
