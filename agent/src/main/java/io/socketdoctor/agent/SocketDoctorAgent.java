package io.socketdoctor.agent;

import io.socketdoctor.classify.Classifier;
import io.socketdoctor.classify.ErrorTable;
import io.socketdoctor.config.Config;
import io.socketdoctor.config.ConfigException;
import io.socketdoctor.event.EventSink;
import io.socketdoctor.install.BridgeInjector;
import io.socketdoctor.install.Installer;
import io.socketdoctor.runtime.Diagnostics;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;

/**
 * Entry point for {@code -javaagent:socket-doctor-agent.jar[=key=value,...]}.
 *
 * <p>Start-up order matters: configuration first (a bad one leaves the JVM untouched); then the
 * runtime, warmed up so the first real failure loads no class; then the bridge's handler; and
 * only then the instrumentation, so no failure after it goes unseen. Nothing here may stop the
 * host: every problem becomes one line on stderr.
 */
public final class SocketDoctorAgent {

    private static boolean started;

    private SocketDoctorAgent() {
    }

    public static void premain(String arguments, Instrumentation inst) {
        start(arguments, inst);
    }

    public static void agentmain(String arguments, Instrumentation inst) {
        start(arguments, inst);
    }

    private static synchronized void start(String arguments, Instrumentation inst) {
        if (started) {
            return;
        }
        Config config;
        try {
            config = Config.load(arguments);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return;
        }
        try {
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
            started = true;
            if (!installation.problems().isEmpty()) {
                System.err.println("socket-doctor: on Java " + Runtime.version() + " these hook points are not"
                        + " instrumented, so their failures will not be diagnosed: "
                        + String.join("; ", installation.problems()));
            }
        } catch (Throwable t) {
            System.err.println("socket-doctor: could not start (" + t + "); the application runs without it.");
        }
    }
}
