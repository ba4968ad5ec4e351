package io.socketdoctor.event;

/**
 * How loud an event is, decided here only: the {@code level} of {@code log=json} lines, and the
 * severity an OpenTelemetry exporter maps it to. A failure the application saw (an exception) and
 * a leaked connection (a descriptor held until the process dies) are {@link #WARN}; the notices
 * that tell of something that did not fail yet (a write after the peer's close or reset, a stale
 * pooled connection, a rise in unexplained CLOSE_WAIT sockets) are {@link #INFO}.
 */
public enum Level {
    WARN, INFO;

    /** The level of an event of this type (an {@link Event#type()}). */
    public static Level of(String eventType) {
        if (Event.SOCKET_ERROR.equals(eventType) || CLOSE_WAIT_LEAK.equals(eventType)) {
            return WARN;
        }
        return INFO;
    }

    public static Level of(Event event) {
        return of(event.type());
    }

    private static final String CLOSE_WAIT_LEAK = TagValues.CLOSE_WAIT_LEAK;
}
