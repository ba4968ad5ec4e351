package io.socketdoctor.event;

/** An {@link Event} as one JSON object on one line. */
public final class JsonLine {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonLine() {
    }

    public static String format(Event e) {
        StringBuilder out = new StringBuilder(512).append('{');
        field(out, "ts", e.ts().toString());
        field(out, "event", e.type());
        field(out, "errno", e.errno());
        out.append(",\"errno_code\":").append(e.errnoCode() == null ? "null" : e.errnoCode().toString());
        field(out, "confidence", e.confidence());
        field(out, "cause", e.cause());
        field(out, "op", e.op());
        field(out, "api", e.api());
        field(out, "exception", e.exception());
        field(out, "message", e.message());
        field(out, "local", e.local());
        field(out, "remote", e.remote());
        field(out, "diagnosis", e.diagnosis());
        field(out, "hint", e.hint());
        field(out, "thread", e.thread());
        field(out, "site", e.site());
        return out.append('}').toString();
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
}
