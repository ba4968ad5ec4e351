package io.socketdoctor.agent;

import io.socketdoctor.cli.AgentCommand;
import io.socketdoctor.cli.Presence;
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
        start(arguments, inst, Presence.VIA_JAVAAGENT);
    }

    public static void agentmain(String arguments, Instrumentation inst) {
        // The CLI loads the jar again for each command (command=status,reply=<file>, ...); a plain
        // load (jcmd JVMTI.agent_load, or a tool's loadAgent) starts the agent as -javaagent does.
        if (!AgentCommand.handle(arguments, inst)) {
            start(arguments, inst, Presence.VIA_ATTACH);
        }
    }

    /**
     * The CLI's {@code attach}: starts a session with these options unless one runs.
     *
     * @return null when a session runs now, else the one line saying why not (also printed on stderr)
     */
    public static synchronized String attach(String options, Instrumentation inst) {
        return start(options, inst, Presence.VIA_ATTACH);
    }

    /**
     * The CLI's {@code detach}: stops the running session (see {@link Session#stop()}).
     *
     * @return the session, stopped, or null when none was running
     */
    public static synchronized Session detach() throws Exception {
        Session stopping = session;
        if (stopping != null) {
            session = null; // even if stopping fails half-way: a later attach starts afresh
            stopping.stop();
        }
        return stopping;
    }

    /** The running session, or null. */
    public static synchronized Session session() {
        return session;
    }

    private static synchronized String start(String arguments, Instrumentation inst, String via) {
        if (session != null) {
            return null;
        }
        Config config;
        try {
            config = Config.load(arguments);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return e.getMessage();
        }
        try {
            session = Session.start(config, inst);
            Presence.announce(session, via);
            if (!session.missingHooks().isEmpty()) {
                System.err.println("socket-doctor: on Java " + Runtime.version() + " these hook points are not"
                        + " instrumented, so their failures will not be diagnosed: "
                        + String.join("; ", session.missingHooks()));
            }
            return null;
        } catch (Throwable t) {
            String line = "socket-doctor: could not start (" + t + "); the application runs without it.";
            System.err.println(line);
            return line;
        }
    }
}
