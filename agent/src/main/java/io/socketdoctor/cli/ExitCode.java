package io.socketdoctor.cli;

/**
 * The CLI's exit codes: scripts may rely on them (the README lists them, {@code help} prints them).
 * Every code other than {@link #OK} comes with one message on stderr saying what to do.
 */
public enum ExitCode {
    OK(0, "success"),
    FAILED(1, "the command failed for another reason, named in the message (e.g. the agent could not start in"
            + " the JVM, or the JVM runs a Java older than 17)"),
    USAGE(2, "bad command line or bad option; nothing was changed in the JVM"),
    NO_SUCH_PROCESS(3, "no process with that pid"),
    NOT_JAVA(4, "the process is not a Java virtual machine (HotSpot), or socket-doctor cannot tell that it is one"
            + " (e.g. its /proc/<pid>/maps is unreadable and it has no hsperfdata file); nothing was sent to it"),
    OTHER_USER(5, "the JVM belongs to another user: run socket-doctor as that user (sudo -u <user> ...) or as root"),
    ATTACH_REFUSED(6, "the JVM refuses attach or agent loading (-XX:+DisableAttachMechanism,"
            + " -XX:-EnableDynamicAgentLoading) or does not answer"),
    NO_ATTACH_MODULE(7, "this Java runtime has no jdk.attach module (a JRE): run socket-doctor with a JDK"),
    NOT_ATTACHED(8, "status, detach: Socket Doctor is not attached to that JVM; nothing was changed"),
    OTHER_OPTIONS(9, "attach: already attached with other options, which stay in force; detach first to change them");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
