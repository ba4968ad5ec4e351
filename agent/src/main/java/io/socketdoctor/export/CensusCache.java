package io.socketdoctor.export;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The kernel census (this JVM's TCP sockets by state), read at most once per {@link #TTL_SECONDS}
 * seconds: every state's gauge reads the same snapshot, and scrapes from several Prometheus
 * servers cost one walk of {@code /proc} between them.
 */
final class CensusCache {

    static final long TTL_SECONDS = 5;

    /** The states a socket this process holds open can be in (Linux names; TIME_WAIT has no descriptor but is listed for completeness). */
    static final List<String> STATES = List.of("ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING");

    private final Supplier<Map<String, Integer>> census;
    private final LongSupplier nanoTime;
    private Map<String, Integer> last = Map.of();
    private long readAt;
    private boolean read;

    CensusCache(Supplier<Map<String, Integer>> census, LongSupplier nanoTime) {
        this.census = census;
        this.nanoTime = nanoTime;
    }

    /**
     * The number of sockets in this state, from a snapshot at most {@link #TTL_SECONDS} s old; NaN
     * when the census came back empty. It cannot be truly empty while the endpoint's own listener
     * is open, so empty means the kernel's table could not be read within its time budget: unknown,
     * which Prometheus stores as NaN (a gap in a graph, no alert), never a misleading zero.
     */
    synchronized double count(String state) {
        long now = nanoTime.getAsLong();
        if (!read || now - readAt >= TimeUnit.SECONDS.toNanos(TTL_SECONDS)) {
            last = census.get();
            readAt = now;
            read = true;
        }
        return last.isEmpty() ? Double.NaN : last.getOrDefault(state, 0);
    }
}
