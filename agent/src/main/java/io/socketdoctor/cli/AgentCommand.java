package io.socketdoctor.cli;

import io.socketdoctor.agent.Session;
import io.socketdoctor.agent.SocketDoctorAgent;
import io.socketdoctor.classify.Api;
import io.socketdoctor.config.Config;
import io.socketdoctor.config.ConfigException;
import io.socketdoctor.event.ErrorCounts;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.ConnectionStats;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The half of the CLI that runs inside the target JVM. The CLI loads the agent jar into the JVM
 * once per command, with {@code command=attach|status|detach,reply=<file>} in front of the options;
 * {@code agentmain} hands such a load to {@link #handle}, which answers in the reply file (see
 * {@link Reply}). The agent class stays loaded between loads, so its running session is found.
 *
 * <p>Without {@code reply} (e.g. {@code jcmd <pid> JVMTI.agent_load <jar> command:status}) the
 * answer goes to the JVM's stderr.
 */
public final class AgentCommand {

    public static final String COMMAND = "command";
    public static final String REPLY = "reply";

    private AgentCommand() {
    }

    /** The agent arguments with the command keys taken out; {@code options} is what is left for {@link Config}. */
    record Request(String command, String reply, String options) {
    }

    /** Splits {@code command} and {@code reply} (written {@code k=v} or {@code k:v}) from the agent options. */
    static Request parse(String arguments) {
        String command = null;
        String reply = null;
        List<String> rest = new ArrayList<>();
        if (arguments != null) {
            for (String pair : arguments.split(",")) {
                int eq = pair.indexOf('=');
                int colon = pair.indexOf(':');
                int at = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
                String key = at <= 0 ? "" : pair.substring(0, at).strip();
                if (key.equals(COMMAND)) {
                    command = pair.substring(at + 1).strip();
                } else if (key.equals(REPLY)) {
                    reply = pair.substring(at + 1).strip();
                } else if (!pair.isBlank()) {
                    rest.add(pair);
                }
            }
        }
        return new Request(command, reply, String.join(",", rest));
    }

    /**
     * Runs a CLI command in this JVM and answers it.
     *
     * @return false when the arguments name no command: a plain agent load, for the caller to start
     */
    public static boolean handle(String arguments, Instrumentation inst) {
        Request request = parse(arguments);
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

    private static Reply run(Request request, Instrumentation inst) throws Exception {
        switch (request.command()) {
            case "attach":
                return attach(request.options(), inst);
            case "status":
                return status();
            case "detach":
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
            return new Reply(Reply.Result.ATTACHED, "attached: " + running.config() + "\n" + hooks(running));
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
        return new Reply(Reply.Result.STATUS, report(session, Instant.now()));
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
        String summary = "detached: the original code of " + classes().size() + " JDK classes is back, the agent's"
                + " threads and files are closed; in " + (started == null ? "the session" : age(started, Instant.now()))
                + " it diagnosed " + counts.failures() + " failures (" + ErrorCounts.format(counts.byErrno()) + "), "
                + stopped.sink().dropped() + " dropped";
        if (stopped.config().log() != Config.Log.OFF) {
            System.err.println("socket-doctor: detached; the JVM runs as it did before the attach");
        }
        return new Reply(Reply.Result.DETACHED, summary);
    }

    /** The status report: one {@code key: value} line per fact, stable for scripts. */
    static String report(Session session, Instant now) {
        Presence presence = Presence.current();
        return headline(presence == null ? null : presence.via(), presence == null ? null : presence.since(), now)
                + "\n" + body(session);
    }

    /** {@code attached: yes (attach, since 2026-11-25T19:32:55Z, 11 s ago)}: the status's first line. */
    static String headline(String via, Instant since, Instant now) {
        StringBuilder out = new StringBuilder("attached: yes");
        if (via != null && since != null) {
            out.append(" (").append(via.equals(Presence.VIA_JAVAAGENT) ? "-javaagent" : "attach")
                    .append(", since ").append(since).append(", ").append(age(since, now)).append(" ago)");
        }
        return out.toString();
    }

    /**
     * The status after its first line, as the agent publishes it for the CLI (see {@link
     * Presence#STATUS_PROPERTY}): everything it has counted, nothing that depends on the moment asked.
     */
    static String body(Session session) {
        ErrorCounts counts = session.counts();
        StringBuilder out = new StringBuilder();
        out.append("agent: Socket Doctor ").append(Presence.version()).append(" on Java ")
                // the property, not Runtime.version(): its toString runs streams and lambdas
                .append(System.getProperty("java.runtime.version")).append(", pid ")
                .append(ProcessHandle.current().pid());
        out.append("\noptions: ").append(session.config());
        out.append('\n').append(hooks(session));
        out.append("\nfailures: ").append(counts.failures());
        out.append("\n  by errno: ").append(ErrorCounts.format(counts.byErrno()));
        out.append("\n  by cause: ").append(ErrorCounts.format(counts.byCause()));
        out.append("\nwarnings: ").append(ErrorCounts.format(counts.otherEvents()));
        out.append("\nevents: ").append(session.sink().written()).append(" written, ")
                .append(session.sink().dropped()).append(" dropped (queue full)");
        out.append("\nconnections: ").append(connections(session.stats()));
        out.append("\nkernel state: ").append(kernel(session.kernel()));
        return out.toString();
    }

    private static String hooks(Session session) {
        // Each hooked class is transformed when it loads: the others are not in use yet.
        List<String> missing = session.missingHooks();
        String where = HookSites.ALL.size() + " hook points in " + classes().size() + " JDK classes ("
                + session.hookedClasses() + " loaded so far)";
        return missing.isEmpty() ? "hooks: " + where + ", all in place"
                : "hooks: " + where + "; not in place: " + String.join("; ", missing);
    }

    private static Set<String> classes() {
        Set<String> types = new LinkedHashSet<>();
        for (HookSite site : HookSites.ALL) {
            types.add(site.type());
        }
        return types;
    }

    private static String connections(ConnectionStats stats) {
        long client = 0;
        long server = 0;
        long closed = 0;
        long eofs = 0;
        for (Api api : Api.values()) {
            client += stats.openedCount(api, ConnectionStats.Direction.CLIENT);
            server += stats.openedCount(api, ConnectionStats.Direction.SERVER);
            closed += stats.closedCount(api);
            eofs += stats.peerEofCount(api);
        }
        return (client + server) + " opened (" + client + " client, " + server + " server), " + closed + " closed, "
                + eofs + " peer EOFs, " + stats.closeWaitLeakCount() + " CLOSE_WAIT leaks, "
                + stats.untrackedCount() + " untracked";
    }

    /** Whether events get the kernel's TCP state (tcp_state), and if not, why. */
    private static String kernel(io.socketdoctor.track.KernelTcp kernel) {
        if (kernel.available()) {
            return "from /proc/net/tcp";
        }
        return kernel.problem() == null ? "none (no /proc)" : "none: " + kernel.problem();
    }

    static String age(Instant since, Instant now) {
        Duration d = Duration.between(since, now);
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        return (s / 3600) + " h " + (s % 3600 / 60) + " min";
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
