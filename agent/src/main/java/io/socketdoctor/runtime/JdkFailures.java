package io.socketdoctor.runtime;

import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Diagnosis;
import io.socketdoctor.classify.Errno;
import io.socketdoctor.classify.ErrorTable;
import io.socketdoctor.classify.Facts;
import io.socketdoctor.classify.Op;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventReceiver;
import io.socketdoctor.event.EventText;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.ConnectionRecord;
import io.socketdoctor.track.Histories;
import io.socketdoctor.track.Tracker;
import java.io.EOFException;
import java.time.Instant;

/**
 * The diagnosis of a failure thrown by an instrumented JDK method: the facts of the connection
 * (its ends, its history), the table's rule for them, the earlier failure it follows from, and
 * the application's frame; the result is attached to the exception and offered as an event.
 */
final class JdkFailures {

    private final Knowledge.Lazy knowledge;
    private final Tracker tracker;
    private final Enricher enricher;
    private final EventReceiver sink;
    private final NoticeEvents notices;
    private final Errno.Platform platform;

    JdkFailures(Knowledge.Lazy knowledge, Tracker tracker, Enricher enricher, EventReceiver sink,
                NoticeEvents notices, Errno.Platform platform) {
        this.knowledge = knowledge;
        this.tracker = tracker;
        this.enricher = enricher;
        this.sink = sink;
        this.notices = notices;
        this.platform = platform;
    }

    /**
     * Whether a failure at {@code site} is one to report: not the TLS layer's own alert write, and at
     * the TLS handshake site only what the socket sites could not see (see {@link #peerClosedDuringHandshake}).
     *
     * @param tls the TLS context of the failure ({@link TlsContext#of}), or null
     */
    static boolean reportable(HookSite site, Throwable thrown, String tls, HandlerGuard.PerThread state) {
        return !TlsContext.INTERNAL.equals(tls)
                && !(HookSites.isTlsHandshake(site) && !peerClosedDuringHandshake(thrown, state));
    }

    /** The TLS context of a failure at {@code site}: only reads and writes can be the TLS layer's. */
    static String tlsOf(HookSite site, Throwable thrown) {
        return site.op() == Op.READ || site.op() == Op.WRITE ? TlsContext.of(thrown) : null;
    }

    /**
     * At the TLS handshake site ({@code SSLSocketImpl.startHandshake}): only a failure that the socket
     * sites could not report, the peer's EOF during the handshake (an {@code EOFException} in the cause
     * chain). A socket failure passing through (rethrown or wrapped) was reported where it happened;
     * TLS-level failures (certificates, alerts) are not socket failures.
     */
    static boolean peerClosedDuringHandshake(Throwable thrown, HandlerGuard.PerThread state) {
        boolean eof = false;
        Throwable t = thrown;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (state.isLast(t)) {
                return false;
            }
            eof |= t instanceof EOFException;
        }
        return eof;
    }

    /**
     * Diagnoses the failure, attaches the diagnosis to the exception and (when {@code emit}) offers
     * the event and any warning it raises (a write after the peer left).
     *
     * @param emit false for the warm-up's fake failure: the whole path runs, nothing is reported or remembered
     */
    Event diagnose(HookSite site, Object self, Object detail, Throwable thrown, String tls, boolean emit) {
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
                Tracker.Notice warning = tracker.writeWarning(r, new SiteSuppliers.ThrownSite(thrown));
                if (warning != null) {
                    sink.offer(notices.eventOf(warning, true));
                }
            }
        }
        if (tls != null) {
            facts = new Facts(facts.local(), facts.remote(), facts.outputShutdown(), facts.closed(), facts.eofSeen(),
                    facts.resetSeen(), facts.idle(), facts.freshAccept(), tls);
        }
        Knowledge k = knowledge.get();
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
        String remote = facts.remote();
        Event event = Event.of(Event.SOCKET_ERROR)
                .at(Instant.ofEpochMilli(now))
                .errno(symbol, errno == null ? null : errno.code(platform))
                .cause(cause, d.confidence())
                .call(site.op().label(), api.label())
                .exception(thrown.getClass().getName(), EventText.capped(thrown.getMessage()))
                .ends(facts.local(), remote)
                .texts(Histories.render(diagnosis, history, now, 0, remote),
                        k.withKnob(Histories.render(hint, history, now, 0, remote), origin, remote))
                .thread(CallSite.currentThreadName())
                .sites(origin.site(), origin.appSite())
                .library(origin.library())
                .history(history)
                .tls(tls)
                .after(after)
                .nanos(nanos)
                .build();
        enricher.enrich(thrown, event);
        if (r != null) {
            tracker.failed(r, symbol, now);
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
    static Origin originOf(Throwable thrown, Knowledge k) {
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

    static Api apiOf(HookSite site, Object detail) {
        // NioSocketImpl serves ServerSocket too (its hook passes its server flag, see SiteCode).
        return detail == Boolean.TRUE && site.api() == Api.SOCKET ? Api.SERVER_SOCKET : site.api();
    }
}
