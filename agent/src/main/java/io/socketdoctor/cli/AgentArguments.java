package io.socketdoctor.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The agent arguments with which the CLI runs a command inside the JVM: it loads the agent jar
 * once per command, with {@code command=attach|status|detach,reply=<file>} in front of the
 * options. Both halves agree on this format, so it lives here, below the agent.
 */
public final class AgentArguments {

    public static final String COMMAND = "command";
    public static final String REPLY = "reply";
    /** The commands the agent runs inside the JVM (the CLI's {@code list} needs no agent). */
    public static final String ATTACH = "attach";
    public static final String STATUS = "status";
    public static final String DETACH = "detach";

    private AgentArguments() {
    }

    /** The agent arguments with the command keys taken out; {@code options} is what is left for the agent's Config. */
    public record Request(String command, String reply, String options) {
    }

    /** What the CLI hands the agent for {@code command}, answered in {@code replyFile}. */
    static String format(String command, String replyFile, String options) {
        return COMMAND + "=" + command + "," + REPLY + "=" + replyFile + (options.isEmpty() ? "" : "," + options);
    }

    /** Splits {@code command} and {@code reply} (written {@code k=v} or {@code k:v}) from the agent options. */
    public static Request parse(String arguments) {
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
}
