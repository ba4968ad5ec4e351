package io.socketdoctor.otlp;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.Level;
import java.time.Instant;

/**
 * One event as one OTLP log record. Attribute names follow OpenTelemetry's semantic conventions
 * where one exists ({@code exception.*}, {@code error.type}, {@code network.*}, {@code thread.name},
 * {@code code.*}); the rest are {@code socket_doctor.*}, named as the JSON event's fields are.
 * An attribute whose value is unknown is left out rather than sent empty.
 */
final class LogRecords {

    private LogRecords() {
    }

    static LogRecord of(Event e, long observedEpochNanos) {
        boolean warn = warns(e);
        LogRecord.Builder record = LogRecord.newBuilder()
                .setTimeUnixNano(epochNanos(e.ts()))
                .setObservedTimeUnixNano(observedEpochNanos)
                .setSeverityNumber(warn ? SeverityNumber.SEVERITY_NUMBER_WARN : SeverityNumber.SEVERITY_NUMBER_INFO)
                .setSeverityText(warn ? "WARN" : "INFO")
                .setEventName("socket_doctor." + e.type())
                .setBody(AnyValue.newBuilder().setStringValue(e.diagnosis() != null ? e.diagnosis() : e.type()));
        put(record, "exception.type", e.exception());
        put(record, "exception.message", e.message());
        put(record, "error.type", e.errno() != null ? e.errno() : e.cause());
        peer(record, "network.peer.address", "network.peer.port", e.remote());
        peer(record, "network.local.address", "network.local.port", e.local());
        if (e.remote() != null || e.local() != null) {
            put(record, "network.transport", "datagram".equals(e.api()) ? "udp" : "tcp");
        }
        put(record, "thread.name", e.thread());
        code(record, e.site());
        put(record, "socket_doctor.event", e.type());
        put(record, "socket_doctor.errno", e.errno());
        if (e.errnoCode() != null) {
            record.addAttributes(KeyValue.newBuilder().setKey("socket_doctor.errno_code")
                    .setValue(AnyValue.newBuilder().setIntValue(e.errnoCode())));
        }
        put(record, "socket_doctor.cause", e.cause());
        put(record, "socket_doctor.confidence", e.confidence());
        put(record, "socket_doctor.op", e.op());
        put(record, "socket_doctor.api", e.api());
        put(record, "socket_doctor.tls", e.tls());
        put(record, "socket_doctor.hint", e.hint());
        put(record, "socket_doctor.app_site", e.appSite());
        put(record, "socket_doctor.library", e.library());
        if (e.tcp() != null) {
            put(record, "socket_doctor.tcp_state", e.tcp().state());
        }
        if (e.history() != null) {
            put(record, "socket_doctor.history", e.history().summary());
        }
        if (e.after() != null) {
            put(record, "socket_doctor.after", e.after().name());
            put(record, "socket_doctor.after_cause", e.after().cause());
        }
        return record.build();
    }

    /** The event's {@link Level}, as {@code log=json} gives it. */
    static boolean warns(Event e) {
        return Level.of(e) == Level.WARN;
    }

    static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static void put(LogRecord.Builder record, String key, String value) {
        if (value != null) {
            record.addAttributes(attribute(key, value));
        }
    }

    /** {@code 10.0.0.7:5432} or {@code [::1]:5432}: the address and the port as two attributes. */
    private static void peer(LogRecord.Builder record, String addressKey, String portKey, String endpoint) {
        if (endpoint == null) {
            return;
        }
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) {
            put(record, addressKey, endpoint);
            return;
        }
        String address = endpoint.substring(0, colon);
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        }
        put(record, addressKey, address);
        try {
            record.addAttributes(KeyValue.newBuilder().setKey(portKey)
                    .setValue(AnyValue.newBuilder().setIntValue(Integer.parseInt(endpoint.substring(colon + 1)))));
        } catch (NumberFormatException e) {
            // not an ip:port after all: the address alone
        }
    }

    /**
     * {@code com.acme.Client.send(Client.java:42)} as {@code code.function.name},
     * {@code code.file.path} and {@code code.line.number}, as a stack frame gives them.
     */
    private static void code(LogRecord.Builder record, String site) {
        if (site == null) {
            return;
        }
        int open = site.indexOf('(');
        put(record, "code.function.name", open < 0 ? site : site.substring(0, open));
        int close = site.lastIndexOf(')');
        if (open < 0 || close < open) {
            return;
        }
        String where = site.substring(open + 1, close);
        int colon = where.lastIndexOf(':');
        String file = colon < 0 ? where : where.substring(0, colon);
        if (file.endsWith(".java") || file.endsWith(".kt") || file.endsWith(".scala")) {
            put(record, "code.file.path", file);
        }
        if (colon > 0) {
            try {
                record.addAttributes(KeyValue.newBuilder().setKey("code.line.number")
                        .setValue(AnyValue.newBuilder().setIntValue(Integer.parseInt(where.substring(colon + 1)))));
            } catch (NumberFormatException e) {
                // "Unknown Source" and the like: no line
            }
        }
    }

    private static long epochNanos(Instant ts) {
        return ts.getEpochSecond() * 1_000_000_000L + ts.getNano();
    }
}
