package io.socketdoctor.cli;

/** A command that cannot go on: the exit code, and the one message the user sees. */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient ExitCode exitCode;

    CliException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    ExitCode exitCode() {
        return exitCode;
    }
}
