package io.socketdoctor.runtime;

import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Classifier;
import io.socketdoctor.classify.Diagnosis;
import io.socketdoctor.classify.Errno;
import io.socketdoctor.classify.Facts;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventSink;
import io.socketdoctor.event.EventText;
import io.socketdoctor.install.HookSite;
import io.socketdoctor.install.HookSites;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.net.SocketException;
import java.time.Instant;

/**
 * What the bridge calls when an instrumented JDK method throws: classify the failure, attach the
 * diagnosis to the exception, and queue the event. Runs on the application's thread, so it never
 * blocks and never throws; the first internal failure switches it off for good.
 */
public final class Diagnostics {

    /** Site id used at install to run the whole path once, so no class loads on the first real error. */
    public static final int WARM_UP_SITE = -1;

    private final Classifier classifier;
    private final Enricher enricher;
    private final EventSink sink;
    private final Errno.Platform platform = Errno.Platform.current();
    private final ThreadLocal<PerThread> perThread = new ThreadLocal<>() {
        @Override
        protected PerThread initialValue() {
            return new PerThread();
        }
    };
    private volatile boolean enabled = true;

    public Diagnostics(Classifier classifier, io.socketdoctor.config.Config config,
                       java.lang.invoke.VarHandle detailMessage, EventSink sink) {
        this.classifier = classifier;
        this.enricher = new Enricher(config.enrich(), detailMessage);
        this.sink = sink;
    }

    /** {@code (Object self, Object detail, int site, Throwable thrown) -> void}, bound to this instance, for the bridge. */
    public MethodHandle handle() throws ReflectiveOperationException {
        return MethodHandles.lookup()
                .findVirtual(Diagnostics.class, "onError",
                        MethodType.methodType(void.class, Object.class, Object.class, int.class, Throwable.class))
                .bindTo(this);
    }

    /** Marks the calling thread as the agent's own: its socket failures are never diagnosed. */
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
        try {
            state.last = new WeakReference<>(thrown);
            HookSite site = HookSites.byId(siteId);
            if (site == null) {
                if (siteId == WARM_UP_SITE) {
                    // Also format it as the writer thread will, so its first event loads nothing either.
                    sink.warmUp(diagnose(HookSites.ALL.get(0), null, null, thrown, false));
                }
                return;
            }
            diagnose(site, self, detail, thrown, true);
        } catch (Throwable failure) {
            enabled = false;
            System.err.println("socket-doctor: internal error (" + failure
                    + "); diagnostics are now off, the application is not affected.");
        } finally {
            state.busy = false;
        }
    }

    private Event diagnose(HookSite site, Object self, Object detail, Throwable thrown, boolean emit) {
        Api api = site.api();
        if (detail == Boolean.TRUE && api == Api.SOCKET) {
            api = Api.SERVER_SOCKET; // NioSocketImpl serving a ServerSocket (SocketImplAdvice)
        }
        Facts facts = ConnectionFacts.of(self, detail, site);
        String message = thrown.getMessage();
        Diagnosis d = classifier.classify(site.op(), thrown, facts);
        Errno errno = d.errno();
        Event event = new Event(Instant.now(), Event.SOCKET_ERROR,
                errno == null ? null : errno.symbol(), errno == null ? null : errno.code(platform),
                d.confidence(), d.cause(), site.op().label(), api.label(), thrown.getClass().getName(), message,
                facts.local(), facts.remote(), d.diagnosis(), d.hint(), threadName(), CallSite.of(thrown));
        enricher.enrich(thrown, EventText.note(event), EventText.tag(event));
        if (emit) {
            sink.offer(event);
        }
        return event;
    }

    private static String threadName() {
        Thread t = Thread.currentThread();
        String name = t.getName();
        return name.isEmpty() ? t.toString() : name;
    }

    /** A throwable to run the whole path with at install. */
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
