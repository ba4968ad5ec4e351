package io.socketdoctor.agent;

import io.socketdoctor.classify.Classifier;
import io.socketdoctor.classify.ErrorTable;
import io.socketdoctor.config.Config;
import io.socketdoctor.event.EventSink;
import io.socketdoctor.install.BridgeInjector;
import io.socketdoctor.install.Installer;
import io.socketdoctor.runtime.Diagnostics;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import io.socketdoctor.track.ConnectionStats;
import io.socketdoctor.track.KernelTcp;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * One running instance of the agent in this JVM: everything {@code start} built, so that it can
 * be inspected and taken down again.
 *
 * <p>Start-up order matters: the runtime first, warmed up so the first real failure loads no
 * class; then the bridge's handler; and only then the instrumentation, so no failure after it
 * goes unseen.
 */
public final class Session {

    private final Config config;
    private final Instrumentation inst;
    private final BridgeInjector.Handles bridge;
    private final EventSink sink;
    private final Diagnostics diagnostics;
    private final Installer.Installation installation;
    private final ConnectionStats stats = new ConnectionStats();
    private final KernelTcp kernel = new KernelTcp();
    /** What to stop, newest first, when the session ends (threads, endpoints, files). */
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    private Session(Config config, Instrumentation inst, BridgeInjector.Handles bridge, EventSink sink,
                    Diagnostics diagnostics, Installer.Installation installation) {
        this.config = config;
        this.inst = inst;
        this.bridge = bridge;
        this.sink = sink;
        this.diagnostics = diagnostics;
        this.installation = installation;
    }

    static Session start(Config config, Instrumentation inst) throws Throwable {
        Classifier classifier = new Classifier(ErrorTable.load());
        BridgeInjector.Handles bridge = BridgeInjector.inject(inst, config.enrich() == Config.Enrich.MESSAGE);
        EventSink sink = EventSink.open(config);
        Diagnostics diagnostics = new Diagnostics(classifier, config, bridge.detailMessage(), sink);
        sink.start(diagnostics::markAgentThread);
        MethodHandle handler = diagnostics.handle();
        bridge.onErrorSetter().invokeExact(handler);
        bridge.error().invokeExact((Object) null, (Object) null, Diagnostics.WARM_UP_SITE,
                Diagnostics.warmUpThrowable());
        Installer.Installation installation = Installer.install(inst);
        return new Session(config, inst, bridge, sink, diagnostics, installation);
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

    /** Hook points that could not be instrumented on this JDK (empty when all are in place). */
    public List<String> missingHooks() {
        return installation.problems();
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
