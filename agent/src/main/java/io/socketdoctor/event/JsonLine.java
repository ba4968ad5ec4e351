package io.socketdoctor.event;

/** An {@link Event} as one JSON object on one line. */
public final class JsonLine {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonLine() {
    }

    /** The last timestamp's text: events come in bursts that share a millisecond (immutable, so racing is harmless). */
    private static Stamp lastStamp = new Stamp(Long.MIN_VALUE, "");

    private record Stamp(long millis, String text) {
    }

    /** Sized for a typical line (about 1 KB with diagnosis and hint), so it is not copied as it grows. */
    private static final int TYPICAL_LINE = 1536;

    /** The event's own fields only (no identity, no level). */
    public static String format(Event e) {
        return format(e, null, "");
    }

    /**
     * The line of the events file ({@code level} null) or of {@code log=json} ({@code level} after
     * {@code ts}); {@code identity} is {@link #identityFields}, appended as it is.
     */
    public static String format(Event e, Level level, String identity) {
        StringBuilder out = new StringBuilder(TYPICAL_LINE).append('{');
        field(out, "ts", timestamp(e.ts()));
        if (level != null) {
            field(out, "level", level.name());
        }
        field(out, "event", e.type());
        field(out, "errno", e.errno());
        number(out, "errno_code", e.errnoCode() == null ? null : e.errnoCode().longValue());
        field(out, "confidence", e.confidence());
        field(out, "cause", e.cause());
        field(out, "op", e.op());
        field(out, "api", e.api());
        if (e.tls() != null) {
            field(out, "tls", e.tls()); // only on TLS connections: plain sockets' lines stay as they were
        }
        field(out, "exception", e.exception());
        field(out, "message", EventText.capped(e.message()));
        field(out, "local", e.local());
        field(out, "remote", e.remote());
        field(out, "diagnosis", e.diagnosis());
        field(out, "hint", e.hint());
        field(out, "thread", e.thread());
        field(out, "site", e.site());
        field(out, "app_site", e.appSite());
        field(out, "library", e.library());
        Event.After after = e.after();
        field(out, "after", after == null ? null : after.name());
        field(out, "after_cause", after == null ? null : after.cause());
        number(out, "after_ms", after == null ? null : after.agoMs());
        Event.History h = e.history();
        number(out, "age_ms", h == null ? null : h.ageMs());
        number(out, "idle_ms", h == null ? null : h.idleMs());
        field(out, "history", h == null ? null : h.summary());
        field(out, "eof_at", h == null || h.eofAt() == null ? null : h.eofAt().toString());
        field(out, "eof_site", h == null ? null : h.eofSite());
        field(out, "reset_at", h == null || h.resetAt() == null ? null : h.resetAt().toString());
        field(out, "reset_errno", h == null ? null : h.resetErrno());
        field(out, "open_thread", h == null ? null : h.openThread());
        field(out, "open_site", h == null ? null : h.openSite());
        Event.TcpState tcp = e.tcp();
        field(out, "tcp_state", tcp == null ? null : tcp.state());
        number(out, "send_q", tcp == null ? null : tcp.sendQueue());
        number(out, "recv_q", tcp == null ? null : tcp.receiveQueue());
        return out.append(identity).append('}').toString();
    }

    /**
     * {@code ,"service":"checkout","host":"pod-1","pid":42,"agent_version":"0.1.0"}: which process
     * an event comes from, escaped once, so that each line only appends it.
     */
    public static String identityFields(Identity identity) {
        StringBuilder out = new StringBuilder(160).append('{');
        field(out, "service", identity.service());
        field(out, "host", identity.host());
        number(out, "pid", identity.pid());
        field(out, "agent_version", identity.agentVersion());
        return "," + out.substring(1);
    }

    /**
     * The {@code log=json} form of the rate limit's {@code N more KEY like this in the last S s}:
     * {@code event} {@code log_rate_limited}, the key ({@code rate_key}), how many events went
     * without a line ({@code more}) and over how long ({@code seconds}); level {@code INFO}.
     */
    public static String summary(java.time.Instant now, String key, long more, long seconds, String identity) {
        StringBuilder out = new StringBuilder(256).append('{');
        field(out, "ts", timestamp(now));
        field(out, "level", Level.INFO.name());
        field(out, "event", "log_rate_limited");
        field(out, "rate_key", key);
        number(out, "more", more);
        number(out, "seconds", seconds);
        field(out, "message", EventText.summary(key, more, seconds).substring(EventText.PREFIX.length()));
        return out.append(identity).append('}').toString();
    }

    /** A line of the agent's own about its work (say, why the kernel's state is missing), as {@code log=json} writes it. */
    public static String notice(java.time.Instant now, String text, String identity) {
        StringBuilder out = new StringBuilder(256).append('{');
        field(out, "ts", timestamp(now));
        field(out, "level", Level.WARN.name());
        field(out, "event", "agent_notice");
        field(out, "message", text);
        return out.append(identity).append('}').toString();
    }

    /** An ISO-8601 time as every output writes it ({@code Instant.toString()}). */
    public static String time(java.time.Instant ts) {
        return timestamp(ts);
    }

    /** {@code Instant.toString()}, made once per millisecond. */
    private static String timestamp(java.time.Instant ts) {
        long millis = ts.toEpochMilli();
        Stamp last = lastStamp;
        if (last.millis() == millis && ts.getNano() % 1_000_000 == 0) {
            return last.text();
        }
        String text = ts.toString();
        if (ts.getNano() % 1_000_000 == 0) {
            lastStamp = new Stamp(millis, text);
        }
        return text;
    }

    private static void number(StringBuilder out, String name, Long value) {
        out.append(",\"").append(name).append("\":").append(value == null ? "null" : value.toString());
    }

    private static void field(StringBuilder out, String name, String value) {
        if (out.length() > 1) {
            out.append(',');
        }
        out.append('"').append(name).append("\":");
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        if (!needsEscape(value)) {
            out.append(value).append('"'); // the usual case: one copy, not a character at a time
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean needsEscape(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return true;
            }
        }
        return false;
    }
}
