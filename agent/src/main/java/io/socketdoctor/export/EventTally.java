package io.socketdoctor.export;

import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventSink;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts every event by its metric tags. It runs on the event writer thread (an
 * {@link EventSink.Listener}), never on the application's: the failing call pays nothing for
 * metrics. Scrapes read the counts from other threads. The number of series is capped; past the
 * cap an event is counted in one series whose tags are all {@code other}.
 */
final class EventTally implements EventSink.Listener {

    static final int MAX_ERROR_SERIES = 500;
    static final int MAX_WARNING_SERIES = 100;

    /** The tags of one {@code socket_errors_total} series; {@code peer} is null without {@code metrics.peers}. */
    record ErrorKey(String errno, String cause, String op, String api, String peer) {
    }

    /** The tags of one {@code socket_warnings_total} series. */
    record WarningKey(String kind, String api, String peer) {
    }

    private final Map<ErrorKey, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<WarningKey, LongAdder> warnings = new ConcurrentHashMap<>();
    private final LongAdder closeWaitLeaks = new LongAdder();
    private final PeerFolder peers;
    private final ErrorKey errorOverflow;
    private final WarningKey warningOverflow;

    /** @param peerLimit {@code metrics.peers}: 0 for no {@code peer} tag */
    EventTally(int peerLimit) {
        peers = peerLimit > 0 ? new PeerFolder(peerLimit) : null;
        String otherPeer = peers == null ? null : TagValues.OTHER;
        errorOverflow = new ErrorKey(TagValues.OTHER, TagValues.OTHER, TagValues.OTHER, TagValues.OTHER, otherPeer);
        warningOverflow = new WarningKey(TagValues.OTHER, TagValues.OTHER, otherPeer);
    }

    @Override
    public void onEvent(Event event) {
        try {
            count(event);
        } catch (RuntimeException e) {
            // A metric must never cost the event its log line or JSON line.
        }
    }

    private void count(Event e) {
        String type = e.type();
        if (Event.SOCKET_ERROR.equals(type)) {
            add(errors, new ErrorKey(TagValues.errno(e), TagValues.cause(e), TagValues.label(e.op()),
                    TagValues.label(e.api()), peer(e)), MAX_ERROR_SERIES, errorOverflow);
        } else if (TagValues.WARNING_KINDS.contains(type)) {
            add(warnings, new WarningKey(type, TagValues.label(e.api()), peer(e)), MAX_WARNING_SERIES, warningOverflow);
        } else if (TagValues.CLOSE_WAIT_LEAK.equals(type)) {
            closeWaitLeaks.increment();
        }
        // Other event types (summaries, census notes) have meters of their own or none.
    }

    private String peer(Event e) {
        return peers == null ? null : peers.fold(e.remote());
    }

    private static <K> void add(Map<K, LongAdder> series, K key, int max, K overflow) {
        LongAdder count = series.get(key);
        if (count == null) {
            count = series.computeIfAbsent(series.size() < max ? key : overflow, k -> new LongAdder());
        }
        count.increment();
    }

    /** Live view: new series appear as events arrive. */
    Map<ErrorKey, LongAdder> errors() {
        return errors;
    }

    Map<WarningKey, LongAdder> warnings() {
        return warnings;
    }

    /** Leak reports that reached the event writer. */
    long closeWaitLeakEvents() {
        return closeWaitLeaks.sum();
    }

    boolean peerTagged() {
        return peers != null;
    }
}
