package io.socketdoctor.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shortest idle time after which each peer has been seen closing (or resetting) a connection
 * of this process: the figure a pool's idle or lifetime setting must stay under. Kept per remote
 * address ({@code ip:port}), for the {@value #MAX_PEERS} most recently seen peers; updated and read
 * only on the rare paths of an idle connection's failure.
 */
final class PeerIdle {

    static final int MAX_PEERS = 256;

    private final Map<String, Long> shortest = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_PEERS;
        }
    };

    /** The peer {@code remote} closed a connection that had been idle for {@code idleMillis}. */
    synchronized void closedAfter(String remote, long idleMillis) {
        if (remote != null && idleMillis > 0) {
            Long known = shortest.get(remote);
            if (known == null || idleMillis < known) {
                shortest.put(remote, idleMillis);
            }
        }
    }

    /** The shortest idle time after which {@code remote} closed a connection, or -1 if never seen. */
    synchronized long shortest(String remote) {
        Long known = remote == null ? null : shortest.get(remote);
        return known == null ? -1 : known;
    }

    /**
     * What to stay under: a second less than the shortest idle time seen (the "61 s or more,
     * keep below 60 s"), half of it below two seconds.
     */
    static long below(long shortestMillis) {
        return shortestMillis >= 2000 ? shortestMillis - 1000 : shortestMillis / 2;
    }
}
