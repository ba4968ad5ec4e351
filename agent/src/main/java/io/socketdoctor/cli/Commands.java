package io.socketdoctor.cli;

import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** The CLI's commands, once {@link Main} has checked the command line and that {@code jdk.attach} is there. */
final class Commands {

    private Commands() {
    }

    static ExitCode list(PrintStream out) {
        long self = ProcessHandle.current().pid();
        List<VirtualMachineDescriptor> vms = Target.visible();
        out.println(String.format("%-8s %-10s %-18s %s", "PID", "USER", "SOCKET DOCTOR", "MAIN CLASS OR JAR"));
        int shown = 0;
        for (VirtualMachineDescriptor vm : vms) {
            long pid = Target.parsePid(vm.id());
            if (pid == self || pid < 0) {
                continue;
            }
            shown++;
            String session = PresenceMarks.readMarker(pid, Procs.markerOf(pid), Procs.start(pid), Procs.uid(pid));
            out.println(String.format("%-8d %-10s %-18s %s", pid, Target.shorten(Procs.user(pid), 10),
                    describe(session), Target.shorten(vm.displayName(), 100)));
        }
        if (shown == 0) {
            out.println("(no other JVM visible to user " + Procs.myUser() + ")");
        }
        PresenceMarks.removeStaleMarkers(Procs.myUid());
        return ExitCode.OK;
    }

    /** {@code attached}, {@code -javaagent}, or {@code no}, from a {@link PresenceMarks#PROPERTY} value. */
    private static String describe(String session) {
        if (session == null) {
            return "no";
        }
        boolean javaagent = PresenceMarks.VIA_JAVAAGENT.equals(PresenceMarks.fields(session).get("via"));
        return javaagent ? "yes (-javaagent)" : "yes";
    }

    static ExitCode attach(long pid, String options, PrintStream out, PrintStream err) throws CliException {
        try (Target target = Target.open(pid)) {
            target.requireSupportedJava();
            String session = target.session();
            if (session != null) {
                // Answered from the system property: no agent load, so no JEP 451 warning either.
                Map<String, String> fields = PresenceMarks.fields(session);
                String inForce = fields.getOrDefault("options", "?");
                List<String> differences = Options.differences(options, inForce);
                String how = PresenceMarks.VIA_JAVAAGENT.equals(fields.get("via")) ? "with -javaagent" : "attached";
                String since = " (" + how + " since " + fields.getOrDefault("since", "?") + ")";
                if (differences.isEmpty()) {
                    out.println("already attached to pid " + pid + since + ": " + inForce);
                    return ExitCode.OK;
                }
                err.println("socket-doctor: already attached to pid " + pid + since + " with other options: "
                        + String.join(", ", differences) + ". The options in force stay; to change them, detach"
                        + " and attach again.");
                return ExitCode.OTHER_OPTIONS;
            }
            Reply reply = target.load(AgentArguments.ATTACH, options);
            return answer(target, reply, out, err, "attached to pid " + pid + " (" + target.command() + ", Java "
                    + target.javaVersion() + ")");
        }
    }

    static ExitCode status(long pid, PrintStream out, PrintStream err) throws CliException {
        try (Target target = Target.open(pid)) {
            if (target.session() == null) {
                out.println("attached: no");
                err.println("socket-doctor: Socket Doctor is not attached to pid " + pid + " (" + target.command()
                        + "); nothing was loaded into it");
                return ExitCode.NOT_ATTACHED;
            }
            out.println(statusReport(target.session(), target.status(), java.time.Instant.now()));
            return ExitCode.OK;
        }
    }

    /**
     * The status from the two properties the agent keeps ({@link PresenceMarks#PROPERTY} and {@link
     * PresenceMarks#STATUS_PROPERTY}), read over the attach connection: nothing is loaded into the JVM,
     * so on Java 21+ no JEP 451 warning lands in its log. An agent too old to publish its status
     * gets the headline and options only, and a note; it is never loaded to ask.
     */
    static String statusReport(String session, String published, java.time.Instant now) {
        Map<String, String> fields = PresenceMarks.fields(session);
        java.time.Instant since = null;
        try {
            since = java.time.Instant.parse(fields.getOrDefault("since", ""));
        } catch (java.time.format.DateTimeParseException unknown) {
            // the headline goes without it
        }
        StringBuilder out = new StringBuilder(StatusText.headline(fields.get("via"), since, now));
        if (published == null || !published.startsWith(PresenceMarks.AS_OF) || published.indexOf('\n') < 0) {
            out.append("\nagent: Socket Doctor ").append(fields.getOrDefault("version", "?"))
                    .append(" (publishes no status: detach and attach again with this version for the counts)");
            out.append("\noptions: ").append(fields.getOrDefault("options", "?"));
            return out.toString();
        }
        int end = published.indexOf('\n');
        out.append('\n').append(published.substring(end + 1));
        try {
            java.time.Instant asOf = java.time.Instant.parse(published.substring(PresenceMarks.AS_OF.length(), end));
            long millis = Math.max(0, java.time.Duration.between(asOf, now).toMillis());
            out.append("\nas of: ").append(asOf).append(" (")
                    .append(millis < 1000 ? millis + " ms" : StatusText.age(asOf, now))
                    .append(" ago; read from the JVM's system properties, nothing was loaded into it)");
        } catch (java.time.format.DateTimeParseException unknown) {
            // no such line
        }
        return out.toString();
    }

    static ExitCode detach(long pid, PrintStream out, PrintStream err) throws CliException {
        try (Target target = Target.open(pid)) {
            if (target.session() == null) {
                err.println("socket-doctor: Socket Doctor is not attached to pid " + pid + " (" + target.command()
                        + "); nothing to detach, nothing was changed");
                return ExitCode.NOT_ATTACHED;
            }
            return answer(target, target.load(AgentArguments.DETACH, ""), out, err, null);
        }
    }

    /** Prints the agent's answer (stdout when it is a success) and the JEP 451 note; returns its exit code. */
    private static ExitCode answer(Target target, Reply reply, PrintStream out, PrintStream err, String headline) {
        ExitCode code = reply.result().exitCode();
        if (code == ExitCode.OK) {
            if (headline != null && reply.result() == Reply.Result.ATTACHED) {
                out.println(headline);
            }
            out.println(reply.text());
        } else if (reply.result() == Reply.Result.NOT_ATTACHED) {
            out.println(reply.text());
            err.println("socket-doctor: Socket Doctor is not attached to pid " + target.pid());
        } else if (reply.result() == Reply.Result.BAD_OPTIONS) {
            err.println("socket-doctor: " + Options.withoutAgentNote(reply.text()) + " (in pid " + target.pid()
                    + "; nothing was changed)");
        } else {
            String text = reply.text();
            err.println(text.startsWith("socket-doctor: ") ? text : "socket-doctor: " + text);
        }
        if (target.warnsOnDynamicLoad()) {
            err.println(target.dynamicLoadNote());
        }
        return code;
    }
}
