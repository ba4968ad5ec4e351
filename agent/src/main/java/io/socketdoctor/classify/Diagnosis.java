package io.socketdoctor.classify;

/**
 * The classifier's verdict on one failure.
 *
 * @param cause      the matching rule's id (stable, e.g. {@code peer_reset_read}), or null if no rule matched
 * @param errno      the errno behind the failure, or null where there is none or it is unknown
 * @param confidence {@code exact} when the message names the condition, {@code inferred} when
 *                   derived from the exception type or the connection's facts, null when unknown
 * @param diagnosis  one sentence on what happened at the TCP level
 * @param hint       what to do next
 */
public record Diagnosis(String cause, Errno errno, String confidence, String diagnosis, String hint) {

    static final Diagnosis UNKNOWN = new Diagnosis(null, null, null,
            "Socket Doctor has no rule for this exception and message.",
            "Look at the exception's cause and message; please report it so the table can learn it.");

    public boolean known() {
        return cause != null;
    }
}
