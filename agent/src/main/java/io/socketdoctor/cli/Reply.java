package io.socketdoctor.cli;

import java.util.Locale;

/**
 * The agent's answer to a CLI command. The CLI creates an empty file and names it in the agent
 * arguments ({@code reply=/tmp/socket-doctor-reply-123.txt}); the agent, inside the JVM, writes
 * {@code result=<name>} on the first line and the text for the user below it.
 */
public record Reply(Result result, String text) {

    public enum Result {
        /** attach: a session runs now */
        ATTACHED(ExitCode.OK),
        /** attach: a session was already running with these options (or none were given) */
        ALREADY_ATTACHED(ExitCode.OK),
        /** attach: a session was already running with other options */
        ALREADY_ATTACHED_OTHER_OPTIONS(ExitCode.OTHER_OPTIONS),
        /** status: the report */
        STATUS(ExitCode.OK),
        /** status, detach: no session runs */
        NOT_ATTACHED(ExitCode.NOT_ATTACHED),
        /** detach: the session is stopped */
        DETACHED(ExitCode.OK),
        /** attach: the options (given, or from the JVM's system properties or environment) are not valid */
        BAD_OPTIONS(ExitCode.USAGE),
        /** anything else went wrong in the JVM */
        FAILED(ExitCode.FAILED);

        private final ExitCode exitCode;

        Result(ExitCode exitCode) {
            this.exitCode = exitCode;
        }

        public ExitCode exitCode() {
            return exitCode;
        }
    }

    private static final String PREFIX = "result=";

    public String format() {
        return PREFIX + result.name().toLowerCase(Locale.ROOT) + "\n" + text + "\n";
    }

    /** Reads what the agent wrote; an empty or unreadable answer is {@link Result#FAILED}. */
    public static Reply parse(String content) {
        if (content == null || content.isBlank()) {
            return new Reply(Result.FAILED, "the agent in the JVM gave no answer: an older Socket Doctor may be"
                    + " loaded there (see the JVM's stderr)");
        }
        int end = content.indexOf('\n');
        String first = (end < 0 ? content : content.substring(0, end)).strip();
        String rest = end < 0 ? "" : content.substring(end + 1).stripTrailing();
        if (first.startsWith(PREFIX)) {
            String name = first.substring(PREFIX.length()).toUpperCase(Locale.ROOT);
            for (Result result : Result.values()) {
                if (result.name().equals(name)) {
                    return new Reply(result, rest);
                }
            }
        }
        return new Reply(Result.FAILED, "the agent in the JVM answered something unexpected: " + first);
    }
}
