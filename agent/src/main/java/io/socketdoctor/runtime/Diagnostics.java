package io.socketdoctor.runtime;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.bootstrap.LibraryBridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Classifier;
import io.socketdoctor.classify.Diagnosis;
import io.socketdoctor.classify.Errno;
import io.socketdoctor.classify.ErrorTable;
import io.socketdoctor.classify.Facts;
import io.socketdoctor.classify.Op;
import io.socketdoctor.config.Config;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventSink;
import io.socketdoctor.event.EventText;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.ConnectionRecord;
import io.socketdoctor.track.Histories;
import io.socketdoctor.track.Tracker;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.net.SocketException;
import java.time.Instant;

/**
 * What the bridge calls: when an instrumented JDK method throws (classify the failure with the
 * connection's history, attach the diagnosis to the exception, queue the event), and on the rare
 * lifecycle events of a connection (open, peer EOF, close, a write after the peer left). Runs on
 * the application's thread, so it never blocks and never throws; the first internal failure
 * switches it off for good.
 */
public final class Diagnostics implements Tracker.NoticeSink {

    /** Site id of the warm-up, which runs the whole path once so that the first real error loads (almost) nothing. */
    public static final int WARM_UP_SITE = Bridge.WARM_UP_SITE;

    /** The error table and what is built from it, loaded at the first use (see {@link #knowledge()}). */
    private volatile Knowledge knowledge;
    private final Enricher enricher;
    private final EventSink sink;
    private final Tracker tracker;
    private final Errno.Platform platform = Errno.Platform.current();
    /** The option's packages that are not the application's, beside the table's client libraries. */
    private final java.util.List<String> siteSkip;

    private final ThreadLocal<PerThread> perThread = new ThreadLocal<>() {
        @Override
        protected PerThread initialValue() {
            return new PerThread();
        }
    };
    private volatile boolean enabled = true;
    /** Set by the one thread that switches diagnostics off, so the line on stderr is printed once. */
    private final java.util.concurrent.atomic.AtomicBoolean switchedOff = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * A handler call that takes longer than this (blocked, starved) switches diagnostics off when it
     * returns: an in-thread handler cannot be interrupted, but it can make sure it is slow only once.
     */
    static final long SLOW_HANDLER_NANOS = 5_000_000_000L;
    /**
     * TEST ONLY, never documented as an option: the system property {@value #TEST_FAULT_PROPERTY}
     * ({@code throw}, {@code stackoverflow}, {@code oom} or {@code block}) makes every handler call
     * (not the warm-up) fail that way, so the integration tests can prove that a broken agent does
     * not break the host. Read once, at install. Deliberately outside the {@code socketdoctor.}
     * prefix, so it is not an {@code Option} and users never see it.
     */
    public static final String TEST_FAULT_PROPERTY = "io.socketdoctor.test.fault";
    /** How long the test-only {@code block} fault blocks: longer than {@link #SLOW_HANDLER_NANOS}. */
    static final long TEST_BLOCK_NANOS = 6_000_000_000L;
    private final String testFault = System.getProperty(TEST_FAULT_PROPERTY);
    /** One instance, made at install: a method reference would link (and load classes) where it is first run. */
    private final ConnectionRecord.AddressReader addressReader = new AddressReader();
    private final Runnable agentThreadMarker = new AgentThreadMarker();

    private final class AddressReader implements ConnectionRecord.AddressReader {
        @Override
        public String[] read(Object connection) {
            return readAddresses(connection);
        }
    }

    private final class AgentThreadMarker implements Runnable {
        @Override
        public void run() {
            markAgentThread();
        }
    }

    /** {@link #markAgentThread} as a Runnable, for the agent's threads to run first. */
    public Runnable agentThreadMarker() {
        return agentThreadMarker;
    }

    public Diagnostics(Config config, VarHandle detailMessage, EventSink sink, Tracker tracker) {
        this.enricher = new Enricher(config.enrich(), detailMessage);
        this.siteSkip = config.siteSkip();
        this.sink = sink;
        this.tracker = tracker;
    }

    /**
     * The error table, its classifier and its errnos by number. Parsing the table is most of what a
     * first failure costs, so it is not done while the JVM starts: the warm-up (see {@link
     * #warmUpThrowable()}) loads it on the agent's own thread right after the install, and a failure
     * that comes first loads it itself.
     */
    private Knowledge knowledge() {
        Knowledge k = knowledge;
        if (k == null) {
            synchronized (this) {
                k = knowledge;
                if (k == null) {
                    k = new Knowledge(ErrorTable.load(), platform, siteSkip);
                    knowledge = k;
                }
            }
        }
        return k;
    }

    private static final class Knowledge {
        final ErrorTable table;
        final Classifier classifier;
        /** The catalogue by this platform's errno numbers: Netty hands over numbers, not messages. */
        final java.util.Map<Integer, Errno> errnoByCode = new java.util.HashMap<>();
        /** The client libraries and site.skip, which every stack is read against. */
        final Origin.Libraries libraries;
        /** What failures follow from, and the peers' idle timeouts seen: made here, off the start-up path. */
        final Consequences consequences = new Consequences();
        final PeerIdle peerIdle = new PeerIdle();

        Knowledge(ErrorTable table, Errno.Platform platform, java.util.List<String> siteSkip) {
            this.table = table;
            this.classifier = new Classifier(table);
            this.libraries = new Origin.Libraries(table.libraries(), siteSkip);
            for (Errno errno : table.errnos().values()) {
                Integer code = errno.code(platform);
                if (code != null) {
                    errnoByCode.putIfAbsent(code, errno);
                }
            }
        }
    }

    /**
     * The instance the bridge's handles reach. The handles are of static methods: a handle bound to
     * an instance costs a class of its own and more start-up time. One session runs at a time.
     */
    private static volatile Diagnostics active;

    /** Makes this instance the one the bridge's handles reach (null: none). */
    public static void activate(Diagnostics diagnostics) {
        active = diagnostics;
    }

    static void activeError(Object self, Object detail, int site, Throwable thrown) {
        Diagnostics d = active;
        if (d != null) {
            d.onError(self, detail, site, thrown);
        }
    }

    static void activeEvent(Object connection, Object detail, int site, int event) {
        Diagnostics d = active;
        if (d != null) {
            d.onEvent(connection, detail, site, event);
        }
    }

    /** {@code (Object self, Object detail, int site, Throwable thrown) -> void}, for the bridge. */
    public static MethodHandle errorHandle() throws ReflectiveOperationException {
        return MethodHandles.lookup().findStatic(Diagnostics.class, "activeError",
                MethodType.methodType(void.class, Object.class, Object.class, int.class, Throwable.class));
    }

    /** {@code (Object connection, Object detail, int site, int event) -> void}, for the bridge. */
    public static MethodHandle eventHandle() throws ReflectiveOperationException {
        return MethodHandles.lookup().findStatic(Diagnostics.class, "activeEvent",
                MethodType.methodType(void.class, Object.class, Object.class, int.class, int.class));
    }

    /** For {@link LibraryBridge}: Netty's failures. */
    public LibraryBridge.NettyHandler nettyHandler() {
        return nettyHandler;
    }

    private final LibraryBridge.NettyHandler nettyHandler = new NettyFailures();

    private final class NettyFailures implements LibraryBridge.NettyHandler {
        @Override
        public void nettyError(String method, int negativeErrno, Throwable failure, int flags) {
            onNettyError(method, negativeErrno, failure, flags);
        }
    }

    public Tracker tracker() {
        return tracker;
    }

    /** Marks the calling thread as the agent's own: its sockets are never tracked or diagnosed. */
    public void markAgentThread() {
        perThread.get().busy = true;
    }

    public void onError(Object self, Object detail, int siteId, Throwable thrown) {
        if (!enabled) {
            return;
        }
        PerThread state = perThread.get();
        if (state.busy || state.isLast(thrown)) {
            return; // our own I/O, re-entry from our own work, or an outer site of the same failure
        }
        state.busy = true;
        long started = System.nanoTime();
        try {
            HookSite site = HookSites.byId(siteId);
            if (site != null) {
                if (testFault != null) {
                    testFault("onError");
                }
                String tls = site.op() == Op.READ || site.op() == Op.WRITE ? TlsContext.of(thrown) : null;
                if (TlsContext.INTERNAL.equals(tls)
                        || HookSites.isTlsHandshake(site) && !peerClosedDuringHandshake(thrown, state)) {
                    return; // the TLS layer's own alert write, or a TLS failure already reported (or not a socket's)
                }
                state.last = new WeakReference<>(thrown);
                diagnose(site, self, detail, thrown, tls, true);
            } else if (siteId == WARM_UP_SITE) {
                state.last = new WeakReference<>(thrown);
                warmUp(thrown);
            }
        } catch (Throwable failure) {
            fail(failure);
        } finally {
            state.busy = false;
            checkSlow(started);
        }
    }

    /**
     * Netty's native transport failed the call {@code method} with errno {@code -negativeErrno}
     * (see {@code install.NettyHooks}). The errno is Netty's own argument, so it is exact; the
     * operation comes from the call's name; the connection is not known here (no history, no
     * addresses). A failure reported by a nested site (the deprecated {@code ioResult} calls
     * {@code newIOException}) is reported once; a pre-built exception thrown again is a new failure.
     */
    public void onNettyError(String method, int negativeErrno, Throwable thrown, int flags) {
        if (!enabled) {
            return;
        }
        PerThread state = perThread.get();
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
                state.last = new WeakReference<>(thrown);
            }
            if (testFault != null && !warmUp) {
                testFault("onNettyError");
            }
            Event event = diagnoseNetty(op, -negativeErrno, thrown);
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
            fail(failure);
        } finally {
            state.busy = false;
            checkSlow(started);
        }
    }

    private Event diagnoseNetty(Op op, int code, Throwable thrown) {
        long now = System.currentTimeMillis();
        Knowledge k = knowledge();
        Errno errno = code > 0 ? k.errnoByCode.get(code) : null;
        Diagnosis d = errno == null ? null : k.classifier.classifyErrno(op, errno, Facts.NONE);
        String diagnosis = d != null ? d.diagnosis() : code > 0
                ? "The operating system reported errno " + code + " for this call; Socket Doctor's catalogue does not name it."
                : "Netty reported this failure without an errno.";
        String hint = d != null ? d.hint()
                : "Look up the errno (errno -l, or man 3 errno) and the exception's message.";
        Origin origin = originOf(thrown, k);
        return new Event(Instant.ofEpochMilli(now), Event.SOCKET_ERROR,
                errno == null ? null : errno.symbol(), code > 0 ? code : null,
                d != null ? d.confidence() : null, d == null ? null : d.cause(), op.label(), Api.NETTY.label(),
                thrown.getClass().getName(), EventText.capped(thrown.getMessage()), null, null,
                diagnosis, hint.replace("{knob}", ""), threadName(), CallSite.ofLibrary(thrown, "io.netty.", ".channel.unix."),
                null, null, null, origin.appSite(), origin.library() != null ? origin.library() : "netty", null,
                System.nanoTime());
    }

    public void onEvent(Object connection, Object detail, int siteId, int event) {
        if (!enabled) {
            return;
        }
        PerThread state = perThread.get();
        HookSite site = HookSites.byId(siteId);
        if (state.busy || site == null) {
            return;
        }
        state.busy = true;
        long started = System.nanoTime();
        try {
            if (testFault != null) {
                testFault("onEvent");
            }
            if (event == Bridge.WRITE_WARNING && TlsContext.INTERNAL.equals(TlsContext.ofCurrentThread())) {
                return; // the TLS layer's alert or close_notify after the peer left, not the application's write
            }
            handleEvent(site, connection, detail, event, tracker.now(), true);
        } catch (Throwable failure) {
            fail(failure);
        } finally {
            state.busy = false;
            checkSlow(started);
        }
    }

    /** A handler call that was blocked or starved for longer than {@link #SLOW_HANDLER_NANOS}: never again. */
    private void checkSlow(long started) {
        long took = System.nanoTime() - started;
        if (took > SLOW_HANDLER_NANOS && enabled) {
            fail(new IllegalStateException("a handler call took " + took / 1_000_000 + " ms"));
        }
    }

    /** TEST ONLY (see {@link #TEST_FAULT_PROPERTY}): fails the way the property says. */
    private void testFault(String where) {
        switch (testFault) {
            case "throw":
                throw new IllegalStateException("socket-doctor test fault in " + where);
            case "stackoverflow":
                recurse(0);
                return;
            case "oom":
                // A real OutOfMemoryError from the VM, without filling the heap the host shares.
                long[] huge = new long[Integer.MAX_VALUE - 2];
                huge[0] = 1;
                return;
            case "block":
                long deadline = System.nanoTime() + TEST_BLOCK_NANOS;
                for (long left = TEST_BLOCK_NANOS; left > 0; left = deadline - System.nanoTime()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left); // keeps the interrupt flag
                }
                return;
            default:
                return;
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    private void handleEvent(HookSite site, Object connection, Object detail, int event, long now, boolean emit) {
        // Addresses are read only when a notice needs them (see readAddresses): most connections never do.
        Tracker.Notice notice = tracker.onEvent(connection, apiOf(site, connection), site.op(), event, null, null,
                StackSite.INSTANCE, now);
        if (notice != null && emit) {
            appNotice(notice);
        }
    }

    /** A notice the tracker's own thread found (a leak, the census): an event with the note's texts. */
    @Override
    public void notice(Tracker.Notice notice) {
        sink.offer(eventOf(notice, false));
    }

    /** A notice found on the application's thread (a warning, a stale connection): its stack tells the library. */
    private void appNotice(Tracker.Notice notice) {
        sink.offer(eventOf(notice, true));
    }

    private Event eventOf(Tracker.Notice notice, boolean onAppThread) {
        long now = tracker.now(); // the histories' clock: the history below is compared with it
        Knowledge k = knowledge();
        ConnectionRecord r = notice.record();
        Event.History history = r == null ? null : Histories.of(tracker.table(), r, now);
        String[] ends = r == null ? new String[2] : r.addresses(addressReader);
        if ("stale_connection".equals(notice.note())) {
            k.peerIdle.closedAfter(ends[1], notice.figure()); // the peer closed it after this much idle time
        }
        // The tracker's thread runs no application code: the frames it kept of the connection tell the library.
        Origin origin = onAppThread ? CallSite.originOfCurrentThread(k.libraries)
                : originOfSites(k, notice.site(), history == null ? null : history.openSite());
        ErrorTable.Note note = k.table.note(notice.note());
        return new Event(Instant.ofEpochMilli(now), notice.type(), null, null, null, notice.note(),
                notice.op().label(), r == null ? null : r.api().label(), null, null,
                ends[0], ends[1],
                Histories.render(note.diagnosis(), history, now, notice.figure(), ends[1]),
                withKnob(k, Histories.render(note.hint(), history, now, notice.figure(), ends[1]), origin, ends[1]),
                threadName(), notice.site(), history, null, null,
                onAppThread ? origin.appSite() : appSiteOf(k, notice.site()), origin.library(), null, System.nanoTime());
    }

    /** The origin told by sites kept as text ({@code class.method(File:line)}), for events off the application's thread. */
    private static Origin originOfSites(Knowledge k, String... sites) {
        for (String site : sites) {
            String className = classOf(site);
            io.socketdoctor.classify.Library library = className == null ? null : k.libraries.of(className);
            if (library != null) {
                return new Origin(site, null, library.name(), library.knob());
            }
        }
        return Origin.NONE;
    }

    /** A site kept as text, if it is the application's own frame; else null. */
    private static String appSiteOf(Knowledge k, String site) {
        String className = classOf(site);
        return className != null && k.libraries.of(className) == null && !k.libraries.skipped(className) ? site : null;
    }

    /** The class of a site kept as text ({@code com.acme.Client.send(Client.java:42)}), or null. */
    private static String classOf(String site) {
        int paren = site == null ? -1 : site.indexOf('(');
        int dot = paren < 0 ? -1 : site.lastIndexOf('.', paren);
        return dot < 0 ? null : site.substring(0, dot);
    }

    /**
     * Fills {@code {knob}}: the library's setting and the peer's shortest idle time seen before it
     * closed a connection, in the table's sentences; nothing where neither is known.
     */
    private String withKnob(Knowledge k, String hint, Origin origin, String remote) {
        if (hint.indexOf("{knob}") < 0) {
            return hint;
        }
        long shortest = k.peerIdle.shortest(remote);
        String sentence;
        if (shortest > 0) {
            sentence = k.table.knobText(origin.knob() != null ? "with-idle" : "idle-only")
                    .replace("{peer_idle}", Histories.seconds(shortest))
                    .replace("{below}", Histories.seconds(PeerIdle.below(shortest)));
        } else if (origin.knob() != null) {
            sentence = k.table.knobText("knob-only");
        } else {
            return hint.replace("{knob}", "");
        }
        String peer = remote == null ? "The peer" : "The peer " + remote;
        return hint.replace("{knob}", " " + sentence.replace("{peer}", peer)
                .replace("{knob}", origin.knob() == null ? "" : origin.knob()));
    }

    /**
     * At the TLS handshake site ({@code SSLSocketImpl.startHandshake}): only a failure that the socket
     * sites could not report, the peer's EOF during the handshake (an {@code EOFException} in the cause
     * chain). A socket failure passing through (rethrown or wrapped) was reported where it happened;
     * TLS-level failures (certificates, alerts) are not socket failures.
     */
    private static boolean peerClosedDuringHandshake(Throwable thrown, PerThread state) {
        boolean eof = false;
        Throwable t = thrown;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (state.isLast(t)) {
                return false;
            }
            eof |= t instanceof java.io.EOFException;
        }
        return eof;
    }

    private Event diagnose(HookSite site, Object self, Object detail, Throwable thrown, String tls, boolean emit) {
        long now = tracker.now(); // the histories' clock (see Tracker.now)
        Api api = apiOf(site, detail);
        Facts facts = ConnectionFacts.of(self, detail, site);
        ConnectionRecord r = tracker.lookup(self);
        Event.History history = null;
        if (r != null) {
            // Kept for the notices that may come after the socket is gone; read once, by the facts above.
            r.addressesKnown(facts.local(), facts.remote());
            history = Histories.of(tracker.table(), r, now);
            facts = new Facts(facts.local(), facts.remote(), facts.outputShutdown() || r.outputShutdown(),
                    facts.closed(), r.eofAt() != 0, r.resetAt() != 0, tracker.idle(r, now), tracker.freshAccept(r, now));
            if (site.op() == Op.WRITE && emit) {
                Tracker.Notice warning = tracker.writeWarning(r, new ThrownSite(thrown));
                if (warning != null) {
                    appNotice(warning);
                }
            }
        }
        if (tls != null) {
            facts = new Facts(facts.local(), facts.remote(), facts.outputShutdown(), facts.closed(), facts.eofSeen(),
                    facts.resetSeen(), facts.idle(), facts.freshAccept(), tls);
        }
        Knowledge k = knowledge();
        Diagnosis d = k.classifier.classify(site.op(), thrown, facts);
        Errno errno = d.errno();
        String symbol = errno == null ? null : errno.symbol();
        long nanos = System.nanoTime();
        String cause = d.cause();
        String diagnosis = d.diagnosis();
        String hint = d.hint();
        String kind = k.table.kindOf(symbol, cause); // refused, reset, broken_pipe, timeout, closed, or null
        Event.After after = null;
        Consequences.Root root = k.consequences.rootOf(self, nanos);
        if (root != null) {
            after = new Event.After(root.errno(), root.cause(), (nanos - root.nanos()) / 1_000_000L, root.nanos());
            String suffix = "_after_" + root.kind();
            if (cause == null || !cause.endsWith(suffix)) { // a rule that already tells this story keeps its texts
                ErrorTable.Note texts = k.table.after(root.kind());
                cause = (kind == null ? "failed" : kind) + suffix;
                diagnosis = followUp(texts.diagnosis(), after, thrown);
                hint = followUp(texts.hint(), after, thrown);
            }
        } else if (emit && k.table.after(kind) != null) {
            // Not the warm-up's fake failure: its socket could take the slot of a real root moments old.
            k.consequences.remember(self, symbol, cause, kind, nanos);
        }
        if (history != null && facts.idle() && ("reset".equals(kind) || "broken_pipe".equals(kind))) {
            k.peerIdle.closedAfter(facts.remote(), history.idleMs()); // reset or closed by the peer after this idle time
        }
        Origin origin = originOf(thrown, k);
        Event event = new Event(Instant.ofEpochMilli(now), Event.SOCKET_ERROR,
                symbol, errno == null ? null : errno.code(platform),
                d.confidence(), cause, site.op().label(), api.label(), thrown.getClass().getName(),
                EventText.capped(thrown.getMessage()), facts.local(), facts.remote(),
                Histories.render(diagnosis, history, now, 0, facts.remote()),
                withKnob(k, Histories.render(hint, history, now, 0, facts.remote()), origin, facts.remote()),
                threadName(), origin.site(), history, null, tls, origin.appSite(), origin.library(), after, nanos);
        enricher.enrich(thrown, event);
        if (r != null) {
            tracker.failed(r, errno == null ? null : errno.symbol(), now);
        }
        if (emit) {
            sink.offer(event);
        }
        return event;
    }

    /**
     * The application's frame of a failure: from the exception's stack trace, else (an exception
     * made on another thread, or one the JDK left without frames, as a pending async accept failed
     * by close) from the reporting thread's stack, e.g. the application's close() call; null on a
     * thread that runs JDK frames only (an async group or timer thread). For a synchronous failure
     * both stacks share the application's frames, so the walk only runs when the first finds none.
     */
    private static Origin originOf(Throwable thrown, Knowledge k) {
        String thread = Thread.currentThread().getName();
        Origin origin = Origin.of(thrown.getStackTrace(), thread, k.libraries);
        return origin.site() != null ? origin : origin.or(CallSite.originOfCurrentThread(k.libraries));
    }

    /** A consequence's text: {@code {after}}, {@code {after_ago}} and {@code {this}} filled. */
    private static String followUp(String text, Event.After after, Throwable thrown) {
        String message = thrown.getMessage();
        String self = thrown.getClass().getSimpleName()
                + (message == null ? "" : " (" + (message.length() > 80 ? message.substring(0, 80) + "..." : message) + ")");
        return text.replace("{after}", after.name()).replace("{after_ago}", ago(after.agoMs()))
                .replace("{this}", self);
    }

    /** {@code 3 ms}, {@code 1.2 s}. */
    static String ago(long millis) {
        return millis < 1000 ? millis + " ms" : Histories.seconds(millis);
    }

    public ConnectionRecord.AddressReader addressReader() {
        return addressReader;
    }

    /** Both ends of a tracked connection, as the notices and the leak finder need them. */
    public String[] readAddresses(Object connection) {
        Facts facts = ConnectionFacts.of(connection, null, HookSites.ALL.get(0));
        return new String[] {facts.local(), facts.remote()};
    }

    private static Api apiOf(HookSite site, Object detail) {
        // NioSocketImpl serves ServerSocket too (its hook passes its server flag, see SiteCode).
        return detail == Boolean.TRUE && site.api() == Api.SOCKET ? Api.SERVER_SOCKET : site.api();
    }

    /**
     * Runs every path once, on the agent's warm-up thread right after the install, with a socket that
     * never connects, so that the first real failure or event usually finds everything loaded and
     * linked. Its fake connection is counted apart (see {@code Tracker.warmUpWith}).
     */
    private void warmUp(Throwable thrown) {
        Socket socket = new Socket();
        tracker.warmUpWith(socket);
        HookSite read = HookSites.ALL.get(0);
        long now = tracker.now();
        tracker.onEvent(socket, read.api(), Op.CONNECT, Bridge.OPENED, "127.0.0.1:1", "127.0.0.1:2", StackSite.INSTANCE, now);
        handleEvent(read, socket, null, Bridge.PEER_EOF, now, false);
        ConnectionRecord r = tracker.lookup(socket);
        if (r != null) {
            eventOf(new Tracker.Notice("write_after_peer_close", Op.WRITE, r, null, 0), true);
            eventOf(new Tracker.Notice("close_wait_leak", Op.CLOSE, r, null, 0), false);
        }
        sink.warmUp(diagnose(read, socket, null, thrown, TlsContext.of(thrown), false));
        Consequences.warmUp();
        TlsContext.ofCurrentThread();
        peerClosedDuringHandshake(thrown, perThread.get());
        new ThrownSite(thrown).get();
        tracker.onEvent(socket, read.api(), Op.CLOSE, Bridge.CLOSED, null, null, StackSite.INSTANCE, now);
    }

    /** The application's frame that led here (for EOF and warning sites): a short stack walk, only when asked. */
    private static final class StackSite implements Tracker.CallSiteSupplier {
        static final StackSite INSTANCE = new StackSite();

        @Override
        public String get() {
            return CallSite.ofCurrentThread();
        }

        /** For an EOF: the bare stack now (cheaper than walking to the frame), the text if ever needed. */
        @Override
        public io.socketdoctor.track.CapturedSite capture() {
            return new io.socketdoctor.track.CapturedSite(new Throwable(), ThrownSiteResolver.INSTANCE);
        }
    }

    /** A class, not a method reference: nothing to link on the first EOF. */
    private static final class ThrownSiteResolver implements io.socketdoctor.track.CapturedSite.Resolver {
        static final ThrownSiteResolver INSTANCE = new ThrownSiteResolver();

        @Override
        public String resolve(Throwable stack) {
            return CallSite.of(stack);
        }
    }

    /** The application's frame of a failing call: from the exception's own stack trace. */
    private static final class ThrownSite implements Tracker.CallSiteSupplier {
        private final Throwable thrown;

        ThrownSite(Throwable thrown) {
            this.thrown = thrown;
        }

        @Override
        public String get() {
            return CallSite.of(thrown);
        }
    }

    private void fail(Throwable failure) {
        enabled = false;
        if (!switchedOff.compareAndSet(false, true)) {
            return; // another thread already said it
        }
        System.err.println("socket-doctor: internal error (" + failure
                + "); diagnostics are now off, the application is not affected.");
    }

    private static String threadName() {
        Thread t = Thread.currentThread();
        String name = t.getName();
        return name.isEmpty() ? t.toString() : name;
    }

    /** A throwable to run the whole path with, on the warm-up thread. */
    public static Throwable warmUpThrowable() {
        return new SocketException("Connection reset");
    }

    /** Per-thread state; plain fields, as only its own thread touches it. */
    private static final class PerThread {
        boolean busy;
        WeakReference<Throwable> last;

        boolean isLast(Throwable thrown) {
            return last != null && last.get() == thrown;
        }
    }
}
