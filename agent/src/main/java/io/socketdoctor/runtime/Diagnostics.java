package io.socketdoctor.runtime;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.bootstrap.LibraryBridge;
import io.socketdoctor.classify.Errno;
import io.socketdoctor.classify.Op;
import io.socketdoctor.config.Config;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventReceiver;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.ConnectionRecord;
import io.socketdoctor.track.Tracker;
import java.lang.invoke.VarHandle;

/**
 * What the bridge calls (through {@link BridgeHandlers}): when an instrumented JDK method throws,
 * when Netty's native transport fails, and on the rare lifecycle events of a connection (open,
 * peer EOF, close, a write after the peer left). Runs on the application's thread, so it never
 * blocks and never throws; the first internal failure switches it off for good ({@link HandlerGuard}).
 *
 * <p>This class only guards and dispatches; the events are made by {@link JdkFailures} (a JDK
 * method's failure), {@link NettyFailures}, {@link NoticeEvents} (the tracker's warnings and
 * findings) and {@link WarmUp} (the run of every path at install).
 */
public final class Diagnostics implements Tracker.NoticeSink {

    /** Site id of the warm-up, which runs the whole path once so that the first real error loads (almost) nothing. */
    public static final int WARM_UP_SITE = Bridge.WARM_UP_SITE;

    private final HandlerGuard guard = new HandlerGuard();
    private final Enricher enricher;
    private final EventReceiver sink;
    private final Tracker tracker;
    private final JdkFailures failures;
    private final NettyFailures netty;
    private final NoticeEvents notices;
    private final WarmUp warmUp;
    /** Null unless the test-only fault property is set; read once, at install. */
    private final String testFault = System.getProperty(TestFault.PROPERTY);
    /** One instance, made at install: a method reference would link (and load classes) where it is first run. */
    private final Runnable agentThreadMarker = new AgentThreadMarker();
    private final LibraryBridge.NettyHandler nettyHandler = new NettyHandler();

    public Diagnostics(Config config, VarHandle detailMessage, EventReceiver sink, Tracker tracker) {
        this.enricher = new Enricher(config.enrich(), detailMessage);
        this.sink = sink;
        this.tracker = tracker;
        Errno.Platform platform = Errno.Platform.current();
        Knowledge.Lazy knowledge = new Knowledge.Lazy(platform, config.siteSkip());
        this.notices = new NoticeEvents(knowledge, tracker);
        this.failures = new JdkFailures(knowledge, tracker, enricher, sink, notices, platform);
        this.netty = new NettyFailures(knowledge);
        this.warmUp = new WarmUp(this, tracker, failures, notices, sink);
    }

    private final class AgentThreadMarker implements Runnable {
        @Override
        public void run() {
            markAgentThread();
        }
    }

    private final class NettyHandler implements LibraryBridge.NettyHandler {
        @Override
        public void nettyError(String method, int negativeErrno, Throwable failure, int flags) {
            onNettyError(method, negativeErrno, failure, flags);
        }
    }

    /** {@link #markAgentThread} as a Runnable, for the agent's threads to run first. */
    public Runnable agentThreadMarker() {
        return agentThreadMarker;
    }

    /** For {@link LibraryBridge}: Netty's failures. */
    public LibraryBridge.NettyHandler nettyHandler() {
        return nettyHandler;
    }

    public Tracker tracker() {
        return tracker;
    }

    public ConnectionRecord.AddressReader addressReader() {
        return AddressReader.INSTANCE;
    }

    /** A throwable to run the whole path with, on the warm-up thread. */
    public static Throwable warmUpThrowable() {
        return WarmUp.throwable();
    }

    /** Marks the calling thread as the agent's own: its sockets are never tracked or diagnosed. */
    public void markAgentThread() {
        guard.state().busy = true;
    }

    public void onError(Object self, Object detail, int siteId, Throwable thrown) {
        if (!guard.enabled()) {
            return;
        }
        HandlerGuard.PerThread state = guard.state();
        if (state.busy || state.isLast(thrown)) {
            return; // our own I/O, re-entry from our own work, or an outer site of the same failure
        }
        state.busy = true;
        long started = System.nanoTime();
        try {
            HookSite site = HookSites.byId(siteId);
            if (site != null) {
                if (testFault != null) {
                    TestFault.fail(testFault, "onError");
                }
                String tls = JdkFailures.tlsOf(site, thrown);
                if (!JdkFailures.reportable(site, thrown, tls, state)) {
                    return; // the TLS layer's own alert write, or a TLS failure already reported (or not a socket's)
                }
                state.remember(thrown);
                failures.diagnose(site, self, detail, thrown, tls, true);
            } else if (siteId == WARM_UP_SITE) {
                state.remember(thrown);
                warmUp.run(thrown, state);
            }
        } catch (Throwable failure) {
            guard.fail(failure);
        } finally {
            guard.exit(state, started);
        }
    }

    /**
     * Netty's native transport failed the call {@code method} with errno {@code -negativeErrno}. A
     * failure reported by a nested site (the deprecated {@code ioResult} calls {@code newIOException})
     * is reported once; a pre-built exception thrown again is a new failure.
     */
    public void onNettyError(String method, int negativeErrno, Throwable thrown, int flags) {
        if (!guard.enabled()) {
            return;
        }
        HandlerGuard.PerThread state = guard.state();
        if (state.busy) {
            return;
        }
        boolean cached = (flags & LibraryBridge.CACHED) != 0;
        if (state.isLast(thrown)) {
            if (cached) {
                state.last = null; // the outer site of the failure just reported: the next throw of it is new
            }
            return;
        }
        Op op = NettyCalls.opOf(method);
        if (op == null) {
            return; // epoll_wait, io_uring_enter...: not a socket operation
        }
        state.busy = true;
        long started = System.nanoTime();
        try {
            boolean warmUp = (flags & LibraryBridge.WARM_UP) != 0;
            if (!cached && !warmUp) {
                state.remember(thrown);
            }
            if (testFault != null && !warmUp) {
                TestFault.fail(testFault, "onNettyError");
            }
            Event event = netty.diagnose(op, -negativeErrno, thrown);
            if (!warmUp) {
                if (!cached) {
                    // A pre-built exception is shared by every failure of its kind: never grow it.
                    enricher.enrich(thrown, event);
                }
                sink.offer(event);
            } else {
                sink.warmUp(event);
            }
        } catch (Throwable failure) {
            guard.fail(failure);
        } finally {
            guard.exit(state, started);
        }
    }

    public void onEvent(Object connection, Object detail, int siteId, int event) {
        if (!guard.enabled()) {
            return;
        }
        HandlerGuard.PerThread state = guard.state();
        HookSite site = HookSites.byId(siteId);
        if (state.busy || site == null) {
            return;
        }
        state.busy = true;
        long started = System.nanoTime();
        try {
            if (testFault != null) {
                TestFault.fail(testFault, "onEvent");
            }
            if (event == Bridge.WRITE_WARNING && TlsContext.INTERNAL.equals(TlsContext.ofCurrentThread())) {
                return; // the TLS layer's alert or close_notify after the peer left, not the application's write
            }
            lifecycle(site, connection, detail, event, tracker.now(), true);
        } catch (Throwable failure) {
            guard.fail(failure);
        } finally {
            guard.exit(state, started);
        }
    }

    /** A lifecycle event to the tracker; a warning it raises becomes an event (unless {@code emit} is false). */
    void lifecycle(HookSite site, Object connection, Object detail, int event, long now, boolean emit) {
        // Addresses are read only when a notice needs them (see AddressReader): most connections never do.
        Tracker.Notice notice = tracker.onEvent(connection, JdkFailures.apiOf(site, connection), site.op(), event,
                null, null, SiteSuppliers.StackSite.INSTANCE, now);
        if (notice != null && emit) {
            sink.offer(notices.eventOf(notice, true));
        }
    }

    /** A notice the tracker's own thread found (a leak, the census): an event with the note's texts. */
    @Override
    public void notice(Tracker.Notice notice) {
        sink.offer(notices.eventOf(notice, false));
    }
}
