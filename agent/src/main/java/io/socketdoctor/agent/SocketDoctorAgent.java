package io.socketdoctor.agent;

import io.socketdoctor.cli.PresenceMarks;
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
        Config config = load(arguments);
        if (config == null) {
            return;
        }
        if (config.install() == Config.Install.BEFORE_MAIN) {
            start(config, inst, PresenceMarks.VIA_JAVAAGENT);
            return;
        }
        // install=background: main starts the tens of milliseconds the start takes earlier, and its
        // failures until the hooks land go undiagnosed. The JVM may even exit before the install
        // ends: the host then sees nothing of it.
        Thread installer = new Thread(new BackgroundInstall(config, inst), "socket-doctor-install");
        installer.setDaemon(true);
        installer.start();
    }

    /** A class, not a lambda: the host's first lambda would bootstrap its machinery before main. */
    private static final class BackgroundInstall implements Runnable {
        private final Config config;
        private final Instrumentation inst;

        BackgroundInstall(Config config, Instrumentation inst) {
            this.config = config;
            this.inst = inst;
        }

        @Override
        public void run() {
            start(config, inst, PresenceMarks.VIA_JAVAAGENT);
        }
    }

    /** True once the JVM has begun to exit (the only public sign: it refuses new shutdown hooks). */
    private static boolean shuttingDown() {
        Thread probe = new Thread("socket-doctor-probe");
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    public static void agentmain(String arguments, Instrumentation inst) {
        // The CLI loads the jar again for each command (command=status,reply=<file>, ...); a plain
        // load (jcmd JVMTI.agent_load, or a tool's loadAgent) starts the agent as -javaagent does.
        if (!AgentCommand.handle(arguments, inst)) {
            start(arguments, inst, PresenceMarks.VIA_ATTACH);
        }
    }

    /**
     * The CLI's {@code attach}: starts a session with these options unless one runs.
     *
     * @return null when a session runs now, else the one line saying why not (also printed on stderr)
     */
    public static synchronized String attach(String options, Instrumentation inst) {
        return start(options, inst, PresenceMarks.VIA_ATTACH);
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

    private static void announce(Session started, String via) {
        started.reportMissingHooks(); // first: whoever waits for the announcement has the line by then
        Presence.announce(started, via);
    }

    /** {@link #announce} on the warm-up thread, for a session that is set before that thread ends. */
    private static final class Announcement implements Runnable {
        private final String via;
        volatile Session session;

        Announcement(String via) {
            this.via = via;
        }

        @Override
        public void run() {
            synchronized (SocketDoctorAgent.class) { // waits for start() to set the session
                if (session != null && session == SocketDoctorAgent.session) {
                    announce(session, via);
                }
            }
        }
    }

    /** The options, or null after printing why they are wrong (the agent then stays off). */
    private static Config load(String arguments) {
        try {
            return Config.load(arguments);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return null;
        }
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
        return start(config, inst, via);
    }

    private static synchronized String start(Config config, Instrumentation inst, String via) {
        if (session != null) {
            return null;
        }
        try {
            if (PresenceMarks.VIA_JAVAAGENT.equals(via)) {
                // Before main: the announcement (a property, a marker file) waits for the warm-up thread.
                Announcement later = new Announcement(via);
                session = Session.start(config, inst, later);
                later.session = session;
            } else {
                session = Session.start(config, inst, null);
                announce(session, via); // the CLI that attached reads it as soon as the load returns
            }
            return null;
        } catch (Throwable t) {
            String line = "socket-doctor: could not start (" + t + "); the application runs without it.";
            // A JVM that began to exit during a background install refuses shutdown hooks: no line for that.
            if (!shuttingDown()) {
                System.err.println(line);
            }
            return line;
        }
    }
}
