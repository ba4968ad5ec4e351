package io.socketdoctor.event;

/**
 * Where diagnosed events go: the {@link EventSink} in a running agent, a list in a unit test. The
 * diagnostics depend on this and not on the sink, so their logic can be tested without threads or files.
 */
public interface EventReceiver {

    /** A real event: queued for the log line, the file and the counts. Never blocks. */
    void offer(Event event);

    /** The warm-up's event: runs the formatting path once and is written nowhere. */
    void warmUp(Event event);
}
