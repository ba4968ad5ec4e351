package io.socketdoctor.event;

import java.time.Instant;

/**
 * One diagnosed failure, as written to the log line and the JSON-lines file. The JSON names of
 * these fields are stable (see {@link JsonLine}); later features add fields, never rename them.
 *
 * @param errno      errno symbol, or null
 * @param errnoCode  its number on this platform, or null
 * @param confidence {@code exact}, {@code inferred}, or null when no rule matched
 * @param cause      id of the rule that matched, or null
 * @param site       first stack frame outside the JDK, e.g. {@code com.acme.Client.send(Client.java:42)}
 */
public record Event(Instant ts, String type, String errno, Integer errnoCode, String confidence, String cause,
                    String op, String api, String exception, String message, String local, String remote,
                    String diagnosis, String hint, String thread, String site) {

    public static final String SOCKET_ERROR = "socket_error";

    /** The key the log's rate limit counts by: the errno, else the cause, else "unknown". */
    String rateKey() {
        return errno != null ? errno : cause != null ? cause : "unknown";
    }
}
