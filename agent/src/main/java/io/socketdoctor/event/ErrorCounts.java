package io.socketdoctor.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every event the session has written, counted once, for everyone who reports counts: the
 * {@code socket-doctor status} and detach summary (failures by errno and cause, other events by
 * type) and the metrics ({@code socket_doctor_errors_total}, {@code socket_doctor_warnings_total},
 * {@code socket_doctor_close_wait_leaks_total}). Counted on the writer thread as the sink's first
 * {@link EventSink.Listener}, from the first event on, so the application's threads never touch
 * it; readers sum the adders from other threads.
 *
 * <p>One series per distinct set of tag values ({@link Series}), made safe by {@link TagValues}
 * (closed sets only) and, with {@code metrics.peers}, a {@code peer} folded by {@link PeerFolder}.
 * One rule bounds them: a kind of event has at most its cap of series ({@link #MAX_ERROR_SERIES},
 * {@link #MAX_WARNING_SERIES}, {@link #MAX_OTHER_SERIES}); past it an event is counted in the
 * kind's overflow series, whose tags are all {@code other}. The views group those series, so
 * every output adds up to the same events.
 */
public final class ErrorCounts implements EventSink.Listener {

    static final int MAX_ERROR_SERIES = 500;
    static final int MAX_WARNING_SERIES = 100;
    /** More event types than the agent has; a guard, not a limit anyone should meet. */
    static final int MAX_OTHER_SERIES = 100;
    static final String NONE = "none";

    /** What a series counts, and so which meter (if any) shows it. */
    public enum Kind {
        /** {@code socket_error}: by errno, cause, operation, API (and peer). */
        ERROR,
        /** A write after the peer reset or closed ({@link TagValues#WARNING_KINDS}): by kind, API (and peer). */
        WARNING,
        /** Any other event (leaks, census, stale connections...): by type alone. */
        OTHER
    }

    /**
     * The tag values of one series; what a kind does not count by is null ({@code peer} too,
     * without {@code metrics.peers}). {@code type} is the event type, {@code other} in an overflow series.
     * Hand-written equals and hashCode: a record's own are bootstrapped on their first call,
     * which would be the writer thread's first event.
     */
    public record Series(Kind kind, String type, String errno, String cause, String op, String api, String peer) {

        /** A {@code socket_doctor_errors_total} series. */
        public static Series error(String errno, String cause, String op, String api, String peer) {
            return new Series(Kind.ERROR, Event.SOCKET_ERROR, errno, cause, op, api, peer);
        }

        /** A {@code socket_doctor_warnings_total} series: {@code type} is its {@code kind} tag. */
        public static Series warning(String type, String api, String peer) {
            return new Series(Kind.WARNING, type, null, null, null, api, peer);
        }

        static Series other(String type) {
            return new Series(Kind.OTHER, type, null, null, null, null, null);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Series s && kind == s.kind && same(type, s.type) && same(errno, s.errno)
                    && same(cause, s.cause) && same(op, s.op) && same(api, s.api) && same(peer, s.peer);
        }

        @Override
        public int hashCode() {
            int h = kind.ordinal();
            h = 31 * h + hash(type);
            h = 31 * h + hash(errno);
            h = 31 * h + hash(cause);
            h = 31 * h + hash(op);
            h = 31 * h + hash(api);
            return 31 * h + hash(peer);
        }

        private static boolean same(String a, String b) {
            return a == null ? b == null : a.equals(b);
        }

        private static int hash(String s) {
            return s == null ? 0 : s.hashCode();
        }
    }

    private static final Series CLOSE_WAIT_LEAKS = Series.other(TagValues.CLOSE_WAIT_LEAK);

    /** The series of each kind, by {@link Kind#ordinal()}: a cap is the size of its kind's table. */
    private final List<Map<Series, LongAdder>> tables = newTables();
    private final PeerFolder peers;
    private final Series errorOverflow;
    private final Series warningOverflow;
    private final Series otherOverflow = Series.other(TagValues.OTHER);

    /** Without a {@code peer} tag: what a session without {@code metrics.peers} counts by. */
    public ErrorCounts() {
        this(0);
    }

    /** @param peerLimit {@code metrics.peers}: the first N remote hosts get a {@code peer} tag; 0 for none */
    public ErrorCounts(int peerLimit) {
        peers = peerLimit > 0 ? new PeerFolder(peerLimit) : null;
        String otherPeer = peers == null ? null : TagValues.OTHER;
        errorOverflow = Series.error(TagValues.OTHER, TagValues.OTHER, TagValues.OTHER, TagValues.OTHER, otherPeer);
        warningOverflow = Series.warning(TagValues.OTHER, TagValues.OTHER, otherPeer);
    }

    private static List<Map<Series, LongAdder>> newTables() {
        return List.of(new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }

    @Override
    public void onEvent(Event event) {
        try {
            count(event, tables);
        } catch (RuntimeException e) {
            // A count must never cost the event its log line or JSON line.
        }
    }

    private void count(Event e, List<Map<Series, LongAdder>> into) {
        String type = e.type();
        if (Event.SOCKET_ERROR.equals(type)) {
            Series series = Series.error(TagValues.errno(e), TagValues.cause(e), TagValues.label(e.op()),
                    TagValues.label(e.api()), peer(e));
            add(into.get(Kind.ERROR.ordinal()), series, MAX_ERROR_SERIES, errorOverflow);
        } else if (TagValues.WARNING_KINDS.contains(type)) {
            Series series = Series.warning(type, TagValues.label(e.api()), peer(e));
            add(into.get(Kind.WARNING.ordinal()), series, MAX_WARNING_SERIES, warningOverflow);
        } else {
            add(into.get(Kind.OTHER.ordinal()), Series.other(TagValues.label(type)), MAX_OTHER_SERIES, otherOverflow);
        }
    }

    /**
     * Counts {@code e} into scratch tables (the sink's warm-up): the whole counting path runs once on
     * the agent's warm-up thread, so the writer's first real event loads no class. (The warm-up
     * failure's socket never connected: no remote, so no {@code peer} is taken from the real ones.)
     */
    void warmUp(Event e) {
        count(e, newTables());
    }

    private String peer(Event e) {
        return peers == null ? null : peers.fold(e.remote());
    }

    /** The one overflow rule: a new series only while its kind has fewer than {@code max}, else the overflow. */
    private static void add(Map<Series, LongAdder> table, Series key, int max, Series overflow) {
        LongAdder count = table.get(key);
        if (count == null) {
            Series k = table.size() < max ? key : overflow;
            // No lambda here: this runs on the writer thread, which must not load classes at the first event.
            LongAdder fresh = new LongAdder();
            count = table.putIfAbsent(k, fresh);
            if (count == null) {
                count = fresh;
            }
        }
        count.increment();
    }

    /** The series of one kind so far with their live counts (a view: new series appear as events arrive). */
    public Map<Series, LongAdder> series(Kind kind) {
        return Collections.unmodifiableMap(tables.get(kind.ordinal()));
    }

    /** The count of one series, 0 if it has none. */
    public long count(Series key) {
        LongAdder count = tables.get(key.kind().ordinal()).get(key);
        return count == null ? 0 : count.sum();
    }

    /** Whether the series carry a {@code peer} tag ({@code metrics.peers} set). */
    public boolean peerTagged() {
        return peers != null;
    }

    /** Leak reports ({@code close_wait_leak} events) that reached the event writer. */
    public long closeWaitLeakEvents() {
        return count(CLOSE_WAIT_LEAKS);
    }

    /** Socket failures diagnosed (events of type {@code socket_error}). */
    public long failures() {
        long n = 0;
        for (LongAdder count : tables.get(Kind.ERROR.ordinal()).values()) {
            n += count.sum();
        }
        return n;
    }

    /** Failures by errno symbol ({@code none} where the JDK made the error itself), most frequent first. */
    public Map<String, Long> byErrno() {
        Map<String, Long> sums = new HashMap<>();
        sum(Kind.ERROR, Field.ERRNO, sums);
        return sorted(sums);
    }

    /** Failures by the id of the rule that matched ({@code none} if none did), most frequent first. */
    public Map<String, Long> byCause() {
        Map<String, Long> sums = new HashMap<>();
        sum(Kind.ERROR, Field.CAUSE, sums);
        return sorted(sums);
    }

    /** Events that are not socket failures (warnings, leaks...), by type, most frequent first. */
    public Map<String, Long> otherEvents() {
        Map<String, Long> sums = new HashMap<>();
        sum(Kind.WARNING, Field.TYPE, sums);
        sum(Kind.OTHER, Field.TYPE, sums);
        return sorted(sums);
    }

    private enum Field { ERRNO, CAUSE, TYPE }

    /**
     * Adds the series of {@code kind} to {@code sums} by one of their fields. The metrics'
     * {@code unknown} (no rule matched) reads {@code none} here, as the status always said.
     */
    private void sum(Kind kind, Field field, Map<String, Long> sums) {
        for (Map.Entry<Series, LongAdder> e : tables.get(kind.ordinal()).entrySet()) {
            Series s = e.getKey();
            String name = field == Field.ERRNO ? s.errno() : field == Field.CAUSE ? s.cause() : s.type();
            if (TagValues.UNKNOWN.equals(name)) {
                name = NONE;
            }
            Long before = sums.get(name);
            sums.put(name, (before == null ? 0 : before) + e.getValue().sum());
        }
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

    private static Map<String, Long> sorted(Map<String, Long> sums) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(sums.entrySet());
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
