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

    public static String format(Event e) {
        StringBuilder out = new StringBuilder(TYPICAL_LINE).append('{');
        field(out, "ts", timestamp(e.ts()));
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
        return out.append('}').toString();
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
