package io.socketdoctor.agent;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.config.Config;
import io.socketdoctor.event.EventSink;
import io.socketdoctor.export.MetricsExporter;
import io.socketdoctor.export.MetricsSource;
import io.socketdoctor.install.BridgeInjector;
import io.socketdoctor.install.Installer;
import io.socketdoctor.otlp.OtlpExporter;
import io.socketdoctor.runtime.BridgeHandlers;
import io.socketdoctor.runtime.Diagnostics;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import io.socketdoctor.track.ConnectionStats;
import io.socketdoctor.track.ConnectionTable;
import io.socketdoctor.track.KernelStateLookup;
import io.socketdoctor.track.KernelTcp;
import io.socketdoctor.track.Tracker;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * One running instance of the agent in this JVM: everything {@code start} built, so that it can
 * be inspected and taken down again.
 *
 * <p>Start-up order matters: the runtime first, then the bridge's handler, and only then the
 * instrumentation, so no failure after it goes unseen. All of it runs before {@code main} and is
 * kept to what must be there: the error table and a run of the whole error path (the warm-up) are
 * left to a short-lived thread of the agent's, so that the first real failure usually finds them
 * ready; a failure that comes before loads what it needs itself.
 */
public final class Session implements MetricsSource {

    private final Config config;
    private final Instrumentation inst;
    private final BridgeInjector.Handles bridge;
    private final EventSink sink;
    private final Diagnostics diagnostics;
    private final Installer.Installation installation;
    private final ConnectionStats stats;
    private final KernelTcp kernel;
    /** What to stop, newest first, when the session ends (threads, endpoints, files). */
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    private Session(Config config, Instrumentation inst, BridgeInjector.Handles bridge, EventSink sink,
                    Diagnostics diagnostics, Installer.Installation installation, ConnectionStats stats,
                    KernelTcp kernel) {
        this.stats = stats;
        this.kernel = kernel;
        this.config = config;
        this.inst = inst;
        this.bridge = bridge;
        this.sink = sink;
        this.diagnostics = diagnostics;
        this.installation = installation;
    }

    /**
     * @param afterWarmUp run on the warm-up thread once it is done (the announcement of a
     *                    {@code -javaagent} start, which need not delay {@code main}), or null
     */
    static Session start(Config config, Instrumentation inst, Runnable afterWarmUp) throws Throwable {
        return start(config, inst, BridgeInjector.inject(inst, config.enrich() == Config.Enrich.MESSAGE), afterWarmUp);
    }

    /** The start once the bridge is in java.base; the unit tests come in here with a bridge of their own. */
    static Session start(Config config, Instrumentation inst, BridgeInjector.Handles bridge, Runnable afterWarmUp)
            throws Throwable {
        EventSink sink = EventSink.open(config);
        ConnectionStats stats = new ConnectionStats();
        KernelTcp kernel = new KernelTcp();
        ConnectionTable connections = new ConnectionTable(new Share(bridge));
        Tracker tracker = new Tracker(connections, stats, kernel, config);
        Diagnostics diagnostics = new Diagnostics(config, bridge.detailMessage(), sink, tracker);
        sink.setDecorator(new KernelStateLookup(kernel));
        sink.start(diagnostics.agentThreadMarker());
        tracker.start(diagnostics, diagnostics.addressReader(), diagnostics.agentThreadMarker());
        try {
            return startInstrumented(config, inst, bridge, sink, stats, kernel, tracker, diagnostics, afterWarmUp);
        } catch (Throwable failure) {
            // Leave nothing behind: a failed start (or attach) must not keep threads or handlers alive.
            switchOff(bridge);
            tracker.close();
            sink.stop();
            throw failure;
        }
    }

    private static Session startInstrumented(Config config, Instrumentation inst, BridgeInjector.Handles bridge,
                                             EventSink sink, ConnectionStats stats, KernelTcp kernel,
                                             Tracker tracker, Diagnostics diagnostics, Runnable afterWarmUp)
            throws Throwable {
        BridgeHandlers.activate(diagnostics);
        MethodHandle onError = BridgeHandlers.errorHandle();
        MethodHandle onEvent = BridgeHandlers.eventHandle();
        bridge.control(Bridge.SET_ON_ERROR, onError);
        bridge.control(Bridge.SET_ON_EVENT, onEvent);
        // Library transports (Netty's native ones) call this public class of the agent jar instead.
        io.socketdoctor.bootstrap.LibraryBridge.setNettyHandler(diagnostics.nettyHandler());
        // prometheus=[host:]port: before the instrumentation, so the endpoint's own first accept is not the application's.
        MetricsExporter metrics = MetricsExporter.open(config, diagnostics.agentThreadMarker());
        Installer.Installation installation;
        try {
            installation = Installer.install(inst);
        } catch (Throwable failure) {
            if (metrics != null) {
                metrics.close(); // a failed start leaves no endpoint behind either
            }
            throw failure;
        }
        try {
            Session session = new Session(config, inst, bridge, sink, diagnostics, installation, stats, kernel);
            session.onStop(sink); // registered first, so closed last: everything else may still report
            session.onStop(tracker);
            // Hooked classes that load later are checked as they load; their problems are printed from here.
            tracker.onTick(new MissingHooksReport(session));
            Thread warmUp = new Thread(new WarmUp(bridge, afterWarmUp), "socket-doctor-warm-up");
            warmUp.setDaemon(true);
            warmUp.start();
            if (metrics != null) {
                session.onStop(metrics);
                metrics.serve(session); // builds the meters, reading the session only as a MetricsSource
            }
            if (config.otlpRequested()) {
                // Its thread is stopped by the sink, after the sink's last events (see EventSink.Listener#onStop).
                session.otlp = OtlpExporter.start(config, System.getenv(), sink, session,
                        diagnostics.agentThreadMarker());
            }
            return session;
        } catch (Throwable failure) {
            // Nothing left behind: no transformer that would go on hooking classes as they load.
            try {
                installation.uninstall(inst);
            } catch (Throwable t) {
                failure.addSuppressed(t);
            }
            if (metrics != null) {
                metrics.close();
            }
            throw failure;
        }
    }

    /**
     * Runs the whole error path once through the bridge, as a failure would, and Netty's: loads the
     * error table and links every call site off the application's threads. (The hooked classes the
     * application has not loaded are left alone: each is transformed if and when it loads, so a
     * program that never opens a channel never pays for its hooks.) Not an agent thread
     * (those are never diagnosed); its socket never connects, and its fake connection is not counted.
     */
    private static final class WarmUp implements Runnable {
        static final long WARM_UP_DELAY_MILLIS = 100;

        private final BridgeInjector.Handles bridge;
        private final Runnable then;

        WarmUp(BridgeInjector.Handles bridge, Runnable then) {
            this.bridge = bridge;
            this.then = then;
        }

        @Override
        public void run() {
            try {
                // Not before main has its CPU: with one CPU (a container) this thread would take
                // it from the application's start; a program that is over by then needs no warm-up.
                Thread.sleep(WARM_UP_DELAY_MILLIS);
                bridge.control(Bridge.WARM_UP_ERROR, Diagnostics.warmUpThrowable());
                bridge.control(Bridge.WARM_UP_EVENT, new Object());
                io.socketdoctor.bootstrap.LibraryBridge.nettyError("read", -104, Diagnostics.warmUpThrowable(),
                        io.socketdoctor.bootstrap.LibraryBridge.WARM_UP);
            } catch (Throwable t) {
                // The bridge swallows everything; a real failure would then load what it needs itself.
            }
            if (then != null) {
                then.run();
            }
        }
    }

    /** On the tracker's thread: prints hook points found missing as their classes load. */
    private static final class MissingHooksReport implements Runnable {
        private final Session session;

        MissingHooksReport(Session session) {
            this.session = session;
        }

        @Override
        public void run() {
            session.reportMissingHooks();
        }
    }

    /** The bridge calls nothing and stamps nothing any more (the hooks may stay; they are then inert). */
    private static void switchOff(BridgeInjector.Handles bridge) throws Throwable {
        bridge.control(Bridge.SET_ON_ERROR, null);
        bridge.control(Bridge.SET_ON_EVENT, null);
        bridge.control(Bridge.SET_CONNECTIONS, null);
        io.socketdoctor.bootstrap.LibraryBridge.setNettyHandler(null);
        BridgeHandlers.activate(null);
    }

    /** Hands the connection table to the bridge, which stamps reads and writes into it. A class, not a lambda. */
    private static final class Share implements ConnectionTable.Publisher {
        private final BridgeInjector.Handles bridge;

        Share(BridgeInjector.Handles bridge) {
            this.bridge = bridge;
        }

        @Override
        public void publish(long[] slots) {
            bridge.control(Bridge.SET_CONNECTIONS, slots);
        }
    }

    private boolean stopped;
    /** {@code otlp=}: null when off (then no class of it is ever loaded). */
    private volatile OtlpExporter otlp;

    /**
     * {@code sink="queue"}, and {@code sink="otlp"} when {@code otlp} is set: read at every scrape
     * and publish, so the OTLP registry, bound on the exporter's thread, sees its own drops too.
     */
    @Override
    public java.util.Map<String, java.util.function.LongSupplier> droppedEvents() {
        if (!config.otlpRequested()) {
            return java.util.Map.of("queue", this::eventsDropped);
        }
        return java.util.Map.of("queue", this::eventsDropped, "otlp", () -> Math.max(0, otlpDropped()));
    }

    /** Events the OTLP exporter did not deliver, or -1 when it is off. */
    public long otlpDropped() {
        OtlpExporter exporter = otlp;
        return exporter == null ? -1 : exporter.dropped();
    }

    /** Log records the OTLP collector accepted, or -1 when it is off. */
    public long otlpSent() {
        OtlpExporter exporter = otlp;
        return exporter == null ? -1 : exporter.sent();
    }

    /** Every event written so far (the status's failures by errno and cause, the metrics' series), counted by the sink. */
    public io.socketdoctor.event.ErrorCounts counts() {
        return sink.counts();
    }

    @Override
    public long eventsDropped() {
        return sink.dropped();
    }

    /**
     * Detach: leaves the JVM as if the agent had never run. In this order: the bridge's handler
     * off (a thread still inside the old code then calls nothing); the JDK classes' original code
     * back, by resetting the transformer with the {@link Instrumentation} it was installed with
     * (each attach gets its own, and a reset through another one does nothing); then everything
     * registered with {@link #onStop}, newest first. Runs once; every step is tried, and the
     * failures are thrown together at the end.
     */
    public void stop() throws Exception {
        synchronized (resources) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        Exception failure = null;
        try {
            switchOff(bridge);
        } catch (Throwable t) {
            failure = collect(failure, "switching the bridge off", t);
        }
        try {
            installation.uninstall(inst);
        } catch (Throwable t) {
            failure = collect(failure, "restoring the JDK classes", t);
        }
        while (true) {
            AutoCloseable resource;
            synchronized (resources) {
                resource = resources.poll();
            }
            if (resource == null) {
                break;
            }
            try {
                resource.close();
            } catch (Throwable t) {
                failure = collect(failure, "stopping " + resource.getClass().getName(), t);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static Exception collect(Exception failure, String step, Throwable t) {
        Exception e = new Exception(step + " failed: " + t, t);
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }

    /** Registers something to close when the session stops (closed in reverse order). */
    public void onStop(AutoCloseable resource) {
        synchronized (resources) {
            resources.push(resource);
        }
    }

    public Config config() {
        return config;
    }

    public EventSink sink() {
        return sink;
    }

    public Diagnostics diagnostics() {
        return diagnostics;
    }

    public ConnectionStats stats() {
        return stats;
    }

    public KernelTcp kernel() {
        return kernel;
    }

    /** Connections whose history is kept right now (bounded by the table's maximum). */
    public int trackedConnections() {
        return diagnostics.tracker().table().size();
    }

    /** Slots in the connection table: grows with the number of open connections, never past its maximum. */
    public int trackedCapacity() {
        return diagnostics.tracker().table().capacity();
    }

    /** Hook points that could not be instrumented on this JDK, among the classes loaded so far. */
    public List<String> missingHooks() {
        return installation.problems();
    }

    /** How many hook points are not in place (a refused class counts each of its hook points). */
    public int missingHookPoints() {
        return installation.missingHookPoints();
    }

    /** Hooked JDK classes loaded (and so transformed) so far. */
    public int hookedClasses() {
        return installation.classesHooked();
    }

    /** Prints, once each, the hook points found not in place since the last call (one line). */
    void reportMissingHooks() {
        List<String> fresh = installation.newProblems();
        if (!fresh.isEmpty()) {
            System.err.println("socket-doctor: on Java " + Runtime.version() + " these hook points are not"
                    + " instrumented, so their failures will not be diagnosed: " + String.join("; ", fresh));
        }
    }

    Instrumentation instrumentation() {
        return inst;
    }

    BridgeInjector.Handles bridge() {
        return bridge;
    }

    Installer.Installation installation() {
        return installation;
    }
}
