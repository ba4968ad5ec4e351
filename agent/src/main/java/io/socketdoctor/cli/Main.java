package io.socketdoctor.cli;

import io.socketdoctor.config.AgentVersion;
import io.socketdoctor.config.Option;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar socket-doctor-agent.jar <command>}: attach Socket Doctor to a running JVM,
 * ask it what it has seen, and detach again. See {@link #help}.
 *
 * <p>No attach type is named here: a JRE has no {@code jdk.attach} module, and this class must be
 * able to say so ({@link ExitCode#NO_ATTACH_MODULE}) instead of failing to link.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err).code());
    }

    static ExitCode run(String[] args, PrintStream out, PrintStream err) {
        try {
            return dispatch(args, out, err);
        } catch (CliException e) {
            err.println("socket-doctor: " + e.getMessage());
            return e.exitCode();
        } catch (RuntimeException | LinkageError e) {
            err.println("socket-doctor: unexpected error: " + e);
            return ExitCode.FAILED;
        }
    }

    private static ExitCode dispatch(String[] args, PrintStream out, PrintStream err) throws CliException {
        if (args.length == 0) {
            err.println(usage());
            return ExitCode.USAGE;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (command) {
            case "help":
            case "-h":
            case "--help":
                out.println(help());
                return ExitCode.OK;
            case "list":
                noMoreArguments(command, rest, 0);
                requireAttachModule();
                return Commands.list(out);
            case "attach": {
                long pid = pid(command, rest);
                String options = Options.join(rest.subList(1, rest.size()));
                requireAttachModule();
                return Commands.attach(pid, options, out, err);
            }
            case "status": {
                long pid = pid(command, rest);
                noMoreArguments(command, rest, 1);
                requireAttachModule();
                return Commands.status(pid, out, err);
            }
            case "detach": {
                long pid = pid(command, rest);
                noMoreArguments(command, rest, 1);
                requireAttachModule();
                return Commands.detach(pid, out, err);
            }
            default:
                throw new CliException(ExitCode.USAGE, "unknown command '" + command + "'\n" + usage());
        }
    }

    private static long pid(String command, List<String> rest) throws CliException {
        if (rest.isEmpty()) {
            throw new CliException(ExitCode.USAGE, command + " needs a pid (socket-doctor list shows them)");
        }
        try {
            long pid = Long.parseLong(rest.get(0));
            if (pid <= 0) {
                throw new NumberFormatException();
            }
            return pid;
        } catch (NumberFormatException e) {
            throw new CliException(ExitCode.USAGE, "'" + rest.get(0) + "' is not a pid (a positive number)");
        }
    }

    private static void noMoreArguments(String command, List<String> rest, int expected) throws CliException {
        if (rest.size() > expected) {
            throw new CliException(ExitCode.USAGE, command + " takes " + (expected == 0 ? "no arguments" : "only a pid")
                    + "; unexpected: " + String.join(" ", rest.subList(expected, rest.size())));
        }
    }

    /** The attach API lives in module jdk.attach, which JDKs have and JREs (and trimmed images) do not. */
    static void requireAttachModule() throws CliException {
        if (ModuleLayer.boot().findModule("jdk.attach").isEmpty()) {
            throw new CliException(ExitCode.NO_ATTACH_MODULE, "this Java runtime (" + System.getProperty("java.home")
                    + ") has no jdk.attach module, which attaching needs: it is a JRE or a trimmed image. Run"
                    + " socket-doctor with a JDK's java (JAVA_HOME=/path/to/jdk scripts/socket-doctor ...), ideally"
                    + " the JDK the target JVM runs on.");
        }
    }

    static String usage() {
        return "usage: java -jar socket-doctor-agent.jar list | attach <pid> [key=value,...] | status <pid>"
                + " | detach <pid> | help";
    }

    static String help() {
        StringBuilder out = new StringBuilder();
        out.append("Socket Doctor ").append(AgentVersion.of())
                .append(": attach to a running JVM, see why its sockets fail, detach again.\n\n");
        out.append(usage()).append("\n\n");
        out.append("  list                     the JVMs you can attach to: pid, user, whether Socket Doctor is in"
                + " them, main class or jar\n");
        out.append("  attach <pid> [options]   load Socket Doctor into the JVM; from then on its socket failures are"
                + " diagnosed\n");
        out.append("                           (on its stderr, and in the events file if given); a second attach"
                + " changes nothing\n");
        out.append("  status <pid>             whether attached, the options in force, failures seen by errno and"
                + " cause, events dropped\n");
        out.append("  detach <pid>             remove it: the JDK classes get their original code back, its threads"
                + " and files close\n");
        out.append("  help                     this text\n\n");
        out.append("Options (the same as -javaagent:socket-doctor-agent.jar=key=value,...):\n");
        for (Option option : Option.values()) {
            out.append(String.format("  %-10s %s (default: %s): %s%n", option.key(), option.accepted(),
                    option.defaultValue().isEmpty() ? "none" : option.defaultValue(), option.description()));
        }
        out.append("\nExit codes:\n");
        for (ExitCode code : ExitCode.values()) {
            out.append(String.format("  %d  %s%n", code.code(), code.meaning()));
        }
        out.append("\nJava 21 and later print \"WARNING: A Java agent has been loaded dynamically\" in the target JVM"
                + " (JEP 451)\neach time attach or detach loads the agent (status loads nothing), unless that JVM was started"
                + " with -XX:+EnableDynamicAgentLoading.\nThe warning records the load; it does not mean anything failed."
                + " -XX:-EnableDynamicAgentLoading or\n-XX:+DisableAttachMechanism make a JVM refuse attach: there,"
                + " start Socket Doctor with -javaagent.\n");
        out.append("\nRun it as the JVM's user (or root), with a JDK (not a JRE); the JVM must be able to read this jar"
                + " at its path.\nNothing is sent to a process unless /proc shows it is a JVM of that user (libjvm.so in its"
                + " maps, or its\nhsperfdata file) that accepts attach; when that cannot be told, exit 4 at once.");
        return out.toString();
    }

    /** For tests: the exit codes and their meanings. */
    static Map<Integer, String> exitCodes() {
        Map<Integer, String> codes = new java.util.LinkedHashMap<>();
        for (ExitCode code : ExitCode.values()) {
            codes.put(code.code(), code.meaning());
        }
        return codes;
    }
}
