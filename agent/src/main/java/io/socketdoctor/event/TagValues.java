package io.socketdoctor.event;

import java.util.Set;

/**
 * The tag values of an event, from closed sets only: errno symbols of the catalogue, rule ids of
 * the table, operation and API labels. A value that is not shaped like one of those (a future
 * field holding free text, say) becomes {@code other}, so a metric can never grow a series per
 * message, address or port.
 */
final class TagValues {

    /** The failure has no errno: the JDK made it itself (timeouts, closed sockets, interrupts). */
    static final String NONE = "none";
    /** No rule of the table recognised the failure. */
    static final String UNKNOWN = "unknown";
    /** Anything outside the closed set, and every series past the cap. */
    static final String OTHER = "other";

    /** The event types counted as warnings ({@code socket.doctor.warnings}, tag {@code kind}). */
    static final Set<String> WARNING_KINDS = Set.of("write_after_reset", "write_after_peer_close");
    static final String CLOSE_WAIT_LEAK = "close_wait_leak";

    private static final int MAX_LENGTH = 48;

    private TagValues() {
    }

    /**
     * The errno symbol; {@code none} when a rule matched a failure that has no errno (the JDK's
     * own timeouts and closed-socket errors); {@code unknown} when no rule matched. Keeping the
     * last two apart lets an alert on {@code errno="unknown"} mean "the table should learn this".
     */
    static String errno(Event e) {
        if (e.errno() != null) {
            return token(e.errno(), true);
        }
        return e.cause() != null ? NONE : UNKNOWN;
    }

    /** The id of the rule that matched (e.g. {@code read_timeout_jdk}), or {@code unknown}. */
    static String cause(Event e) {
        return e.cause() == null ? UNKNOWN : token(e.cause(), false);
    }

    /** An operation or API label ({@code read}, {@code server_channel}), or {@code none}. */
    static String label(String value) {
        return value == null ? NONE : token(value, false);
    }

    /** The value if it is an identifier of the expected case ({@code ECONNRESET} or {@code peer_reset_read}), else {@code other}. */
    static String token(String value, boolean upper) {
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            return OTHER;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean letter = upper ? c >= 'A' && c <= 'Z' : c >= 'a' && c <= 'z';
            if (!(letter || c == '_' || (i > 0 && c >= '0' && c <= '9'))) {
                return OTHER;
            }
        }
        return value;
    }
}
