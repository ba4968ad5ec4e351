package io.socketdoctor.demo;

/**
 * What one scenario ended with: the exception its code caught (exactly as caught, not wrapped),
 * nothing, or a reason why it could not run here.
 */
record Result(Throwable exception, String skipReason) {

    static Result caught(Throwable exception) {
        return new Result(exception, null);
    }

    static Result none() {
        return new Result(null, null);
    }

    static Result skipped(String reason) {
        return new Result(null, reason);
    }

    /** The text after "[demo] name: " on the scenario's result line. */
    String describe() {
        if (skipReason != null) {
            return "skipped (" + skipReason + ")";
        }
        if (exception == null) {
            return "no exception";
        }
        return "caught " + exception.getClass().getName() + ": " + exception.getMessage();
    }
}
