package io.socketdoctor.event;

/**
 * Every human-readable text made from an {@link Event}: the log line an on-call engineer reads,
 * the note attached to the application's exception, and the short tag for {@code enrich=message}.
 */
public final class EventText {

    public static final String PREFIX = "[socket-doctor] ";

    private EventText() {
    }

    /**
     * The log line: what (errno or cause), where (operation, API, both ends), the exception as the
     * application got it, the call site and thread, then the diagnosis and the hint.
     */
    public static String logLine(Event e) {
        StringBuilder out = headline(new StringBuilder(512).append(PREFIX), e);
        if (e.exception() != null) {
            out.append(": ").append(e.exception());
        }
        if (e.message() != null) {
            // One event, one line: a line break in a message (a host name, say) must not forge another.
            out.append(": ").append(capped(e.message()).replace('\r', ' ').replace('\n', ' '));
        }
        if (e.site() != null) {
            out.append(" at ").append(e.site());
        }
        if (e.appSite() != null && !e.appSite().equals(e.site())) {
            out.append(" from ").append(e.appSite());
        }
        out.append(" [").append(e.thread());
        if (e.library() != null) {
            out.append(", ").append(e.library());
        }
        out.append("] -- ");
        if (e.history() != null) {
            out.append("History: ").append(e.history().summary()).append(". ");
        }
        if (e.tcp() != null) {
            out.append("Kernel: ").append(e.tcp().state());
            if (!"GONE".equals(e.tcp().state())) {
                out.append(" (send-q ").append(e.tcp().sendQueue()).append(", recv-q ").append(e.tcp().receiveQueue()).append(')');
            }
            out.append(". ");
        }
        return advice(out, e).toString();
    }

    /** At most this many characters of an exception's message go into a log line or a JSON event. */
    public static final int MAX_MESSAGE_CHARS = 4096;

    /** The message, cut to {@link #MAX_MESSAGE_CHARS} with a note of its full length; null stays null. */
    public static String capped(String message) {
        if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
            return message;
        }
        return message.substring(0, MAX_MESSAGE_CHARS) + "... (" + message.length() + " chars)";
    }

    /** The text of the suppressed note: headline, diagnosis and hint. */
    public static String note(Event e) {
        return advice(headline(new StringBuilder(400).append(PREFIX), e).append(": "), e).toString();
    }

    /** The short tag appended to the message with {@code enrich=message}. */
    public static String tag(Event e) {
        return what(new StringBuilder(64).append("[socket-doctor: "), e).append(']').toString();
    }

    public static String summary(String key, long held, long seconds) {
        return PREFIX + held + " more " + key + " like this in the last " + seconds + " s";
    }

    private static StringBuilder headline(StringBuilder out, Event e) {
        what(out, e).append(" on ").append(e.op()).append(' ').append(e.api());
        if (e.tls() != null) {
            out.append(" (TLS ").append(e.tls()).append(')');
        }
        if (e.local() != null) {
            out.append(' ').append(e.local());
        }
        if (e.remote() != null) {
            out.append(" -> ").append(e.remote());
        }
        return out;
    }

    /** {@code ECONNRESET (errno 104, peer_reset_read)}, {@code read_timeout_jdk (no errno)} or {@code unrecognised failure}. */
    private static StringBuilder what(StringBuilder out, Event e) {
        if (!Event.SOCKET_ERROR.equals(e.type())) {
            return out.append("WARNING ").append(e.type());
        }
        if (e.errno() != null) {
            out.append(e.errno()).append(" (");
            if (e.errnoCode() != null) {
                out.append("errno ").append(e.errnoCode()).append(", ");
            }
            if ("inferred".equals(e.confidence())) {
                out.append("inferred, ");
            }
            return followUp(out.append(e.cause()), e).append(')');
        }
        if (e.cause() != null) {
            return followUp(out.append(e.cause()).append(" (no errno"), e).append(')');
        }
        return out.append("unrecognised failure");
    }

    /** {@code ; follow-up of ECONNREFUSED 3 ms earlier}: a consequence names its first failure. */
    private static StringBuilder followUp(StringBuilder out, Event e) {
        Event.After after = e.after();
        if (after != null) {
            out.append("; follow-up of ").append(after.name()).append(' ');
            if (after.agoMs() < 1000) {
                out.append(after.agoMs()).append(" ms");
            } else {
                out.append(after.agoMs() / 1000).append('.').append(after.agoMs() % 1000 / 100).append(" s");
            }
            out.append(" earlier");
        }
        return out;
    }

    private static StringBuilder advice(StringBuilder out, Event e) {
        return out.append(e.diagnosis()).append(" Hint: ").append(e.hint());
    }
}
