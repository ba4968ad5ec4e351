package io.socketdoctor.event;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a session has seen so far, for {@code socket-doctor status}: socket failures by errno and by
 * cause, and other events (warnings) by type. Counted on the writer thread as a
 * {@link EventSink.Listener}, so the application's threads never touch it.
 *
 * <p>Bounded: the keys come from closed sets (the errno catalogue, the rule table's cause ids, the
 * event types), and at most {@link #MAX_KEYS} distinct keys are kept per table anyway; the rest
 * are counted under {@code other}.
 */
public final class ErrorCounts implements EventSink.Listener {

    /** More distinct keys than any table can produce today; a guard, not a limit anyone should meet. */
    static final int MAX_KEYS = 256;
    static final String NONE = "none";
    static final String OTHER = "other";

    private final AtomicLong failures = new AtomicLong();
    private final Map<String, LongAdder> byErrno = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byCause = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> otherEvents = new ConcurrentHashMap<>();

    public ErrorCounts() {
        // Run the counting path once on a scratch table: the writer's first event then loads no class.
        count(new ConcurrentHashMap<>(), NONE);
    }

    @Override
    public void onEvent(Event event) {
        if (Event.SOCKET_ERROR.equals(event.type())) {
            failures.incrementAndGet();
            count(byErrno, event.errno());
            count(byCause, event.cause());
        } else {
            count(otherEvents, event.type());
        }
    }

    private static void count(Map<String, LongAdder> table, String key) {
        String k = key == null ? NONE : key;
        LongAdder adder = table.get(k);
        if (adder == null) {
            if (table.size() >= MAX_KEYS) {
                k = OTHER;
            }
            // No lambda here: this runs on the writer thread, which must not load classes at the first event.
            LongAdder fresh = new LongAdder();
            adder = table.putIfAbsent(k, fresh);
            if (adder == null) {
                adder = fresh;
            }
        }
        adder.increment();
    }

    /** Socket failures diagnosed (events of type {@code socket_error}). */
    public long failures() {
        return failures.get();
    }

    /** Failures by errno symbol ({@code none} where the JDK made the error itself), most frequent first. */
    public Map<String, Long> byErrno() {
        return sorted(byErrno);
    }

    /** Failures by the id of the rule that matched ({@code none} if none did), most frequent first. */
    public Map<String, Long> byCause() {
        return sorted(byCause);
    }

    /** Events that are not socket failures (warnings), by type, most frequent first. */
    public Map<String, Long> otherEvents() {
        return sorted(otherEvents);
    }

    /**
     * The largest count first, then by name. A class, not composed comparators: those spin a
     * class per lambda, in the status the agent publishes a second after its start.
     */
    private static final class MostFirst implements Comparator<Map.Entry<String, Long>> {
        static final MostFirst INSTANCE = new MostFirst();

        @Override
        public int compare(Map.Entry<String, Long> a, Map.Entry<String, Long> b) {
            int byCount = Long.compare(b.getValue(), a.getValue());
            return byCount != 0 ? byCount : a.getKey().compareTo(b.getKey());
        }
    }

    private static Map<String, Long> sorted(Map<String, LongAdder> table) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>();
        for (Map.Entry<String, LongAdder> e : table.entrySet()) {
            entries.add(Map.entry(e.getKey(), e.getValue().sum()));
        }
        entries.sort(MostFirst.INSTANCE);
        Map<String, Long> result = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : entries) {
            result.put(e.getKey(), e.getValue());
        }
        return result;
    }

    /** {@code ECONNREFUSED 12, ECONNRESET 3}, or {@code none}. */
    public static String format(Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return NONE;
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            out.append(out.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
        }
        return out.toString();
    }
}
