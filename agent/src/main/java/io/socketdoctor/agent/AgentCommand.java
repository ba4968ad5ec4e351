package io.socketdoctor.agent;

import io.socketdoctor.cli.AgentArguments;
import io.socketdoctor.cli.Reply;
import io.socketdoctor.cli.StatusText;
import io.socketdoctor.config.Config;
import io.socketdoctor.config.ConfigException;
import io.socketdoctor.event.ErrorCounts;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The half of the CLI that runs inside the target JVM. The CLI loads the agent jar into the JVM
 * once per command (see {@link AgentArguments}); {@code agentmain} hands such a load to {@link
 * #handle}, which answers in the reply file (see {@link Reply}). The agent class stays loaded
 * between loads, so its running session is found.
 *
 * <p>Without {@code reply} (e.g. {@code jcmd <pid> JVMTI.agent_load <jar> command:status}) the
 * answer goes to the JVM's stderr.
 */
final class AgentCommand {

    private AgentCommand() {
    }

    /**
     * Runs a CLI command in this JVM and answers it.
     *
     * @return false when the arguments name no command: a plain agent load, for the caller to start
     */
    public static boolean handle(String arguments, Instrumentation inst) {
        AgentArguments.Request request = AgentArguments.parse(arguments);
        if (request.command() == null) {
            return false;
        }
        Reply reply;
        try {
            reply = run(request, inst);
        } catch (Throwable t) {
            reply = new Reply(Reply.Result.FAILED, "socket-doctor: " + request.command()
                    + " failed inside the JVM: " + t);
        }
        deliver(request.reply(), reply);
        return true;
    }

    private static Reply run(AgentArguments.Request request, Instrumentation inst) throws Exception {
        switch (request.command()) {
            case AgentArguments.ATTACH:
                return attach(request.options(), inst);
            case AgentArguments.STATUS:
                return status();
            case AgentArguments.DETACH:
                return detach();
            default:
                return new Reply(Reply.Result.FAILED, "socket-doctor: unknown command '" + request.command()
                        + "' (this agent knows attach, status, detach)");
        }
    }

    private static Reply attach(String options, Instrumentation inst) {
        Config wanted;
        try {
            wanted = Config.load(options); // the JVM's system properties and environment count too
        } catch (ConfigException e) {
            return new Reply(Reply.Result.BAD_OPTIONS, e.getMessage());
        }
        Session running = SocketDoctorAgent.session();
        if (running == null) {
            String problem = SocketDoctorAgent.attach(options, inst);
            running = SocketDoctorAgent.session();
            if (problem != null || running == null) {
                return new Reply(Reply.Result.FAILED, problem != null ? problem : "socket-doctor: did not start");
            }
            if (running.config().log() != Config.Log.OFF) {
                System.err.println("socket-doctor: attached (" + running.config() + "); socket failures in"
                        + " this JVM are diagnosed from now on, until `socket-doctor detach "
                        + ProcessHandle.current().pid() + "`" + (Runtime.version().feature() >= 21
                        ? "; a JDK warning about a dynamically loaded agent just before this line is about this attach"
                        : ""));
            }
            return new Reply(Reply.Result.ATTACHED, "attached: " + running.config() + "\n"
                    + StatusReport.hooks(running));
        }
        String inForce = running.config().toString();
        if (options.isBlank() || wanted.toString().equals(inForce)) {
            return new Reply(Reply.Result.ALREADY_ATTACHED, "already attached: " + inForce);
        }
        return new Reply(Reply.Result.ALREADY_ATTACHED_OTHER_OPTIONS, "already attached with other options: "
                + inForce + " (asked for: " + wanted + "); detach first to change them");
    }

    private static Reply status() {
        Session session = SocketDoctorAgent.session();
        if (session == null) {
            return new Reply(Reply.Result.NOT_ATTACHED, "attached: no");
        }
        return new Reply(Reply.Result.STATUS, StatusReport.report(session, Instant.now()));
    }

    private static Reply detach() throws Exception {
        Session session = SocketDoctorAgent.session();
        if (session == null) {
            return new Reply(Reply.Result.NOT_ATTACHED, "attached: no");
        }
        Instant started = Presence.current() == null ? null : Presence.current().since();
        Session stopped;
        try {
            stopped = SocketDoctorAgent.detach();
        } catch (Exception e) {
            return new Reply(Reply.Result.FAILED, "socket-doctor: detach did not complete: " + e.getMessage()
                    + suppressed(e) + "; the agent is switched off and its session is gone");
        }
        if (stopped == null) {
            return new Reply(Reply.Result.NOT_ATTACHED, "attached: no");
        }
        ErrorCounts counts = stopped.counts();
        String summary = "detached: the original code of " + StatusReport.hookedClasses().size()
                + " JDK classes is back, the agent's threads and files are closed; in "
                + (started == null ? "the session" : StatusText.age(started, Instant.now()))
                + " it diagnosed " + counts.failures() + " failures (" + ErrorCounts.format(counts.byErrno()) + "), "
                + stopped.sink().dropped() + " dropped";
        if (stopped.config().log() != Config.Log.OFF) {
            System.err.println("socket-doctor: detached; the JVM runs as it did before the attach");
        }
        return new Reply(Reply.Result.DETACHED, summary);
    }

    private static String suppressed(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (Throwable s : t.getSuppressed()) {
            out.append("; ").append(s.getMessage());
        }
        return out.toString();
    }

    /** Writes the answer into the file the CLI created (never creates one), else on stderr. */
    private static void deliver(String replyFile, Reply reply) {
        if (replyFile != null && !replyFile.isEmpty()) {
            try {
                Files.write(Paths.get(replyFile), reply.format().getBytes(StandardCharsets.UTF_8),
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                return;
            } catch (IOException | RuntimeException e) {
                System.err.println("socket-doctor: cannot answer the CLI in " + replyFile + " (" + e + ")");
            }
        }
        System.err.println(reply.text());
    }
}
