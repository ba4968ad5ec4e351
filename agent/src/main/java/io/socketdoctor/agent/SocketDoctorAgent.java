package io.socketdoctor.agent;

import io.socketdoctor.config.Config;
import io.socketdoctor.config.ConfigException;
import java.lang.instrument.Instrumentation;

/**
 * Entry point for {@code -javaagent:socket-doctor-agent.jar[=key=value,...]} and for attach.
 * Nothing here may stop the host: every problem becomes one line on stderr.
 */
public final class SocketDoctorAgent {

    private static Session session;

    private SocketDoctorAgent() {
    }

    public static void premain(String arguments, Instrumentation inst) {
        start(arguments, inst);
    }

    public static void agentmain(String arguments, Instrumentation inst) {
        start(arguments, inst);
    }

    /** The running session, or null. */
    public static synchronized Session session() {
        return session;
    }

    private static synchronized void start(String arguments, Instrumentation inst) {
        if (session != null) {
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
            session = Session.start(config, inst);
            if (!session.missingHooks().isEmpty()) {
                System.err.println("socket-doctor: on Java " + Runtime.version() + " these hook points are not"
                        + " instrumented, so their failures will not be diagnosed: "
                        + String.join("; ", session.missingHooks()));
            }
        } catch (Throwable t) {
            System.err.println("socket-doctor: could not start (" + t + "); the application runs without it.");
        }
    }
}
