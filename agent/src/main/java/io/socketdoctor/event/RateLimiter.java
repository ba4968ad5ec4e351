package io.socketdoctor.event;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * At most {@code perSecond} log lines per key per second; the rest are counted and summed up
 * once the second is over. Used only by the single event-writer thread, so it needs no locks.
 * Keys come from a closed set (errno symbols and rule ids), so the map stays small.
 */
final class RateLimiter {

    private final int perSecond;
    private final Map<String, long[]> windows = new LinkedHashMap<>(); // key -> {window start ms, passed, held}

    RateLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    /** True if a line for this key may be written now. */
    boolean tryPass(String key, long nowMillis) {
        long[] w = windows.get(key);
        if (w == null) {
            w = new long[] {nowMillis, 0, 0};
            windows.put(key, w);
        }
        if (windowOver(w, nowMillis) && w[2] == 0) {
            w[0] = nowMillis;
            w[1] = 0;
        }
        if (w[1] < perSecond && nowMillis - w[0] < 1000) {
            w[1]++;
            return true;
        }
        w[2]++;
        return false;
    }

    /** Summaries for windows that have ended with lines held back; resets them. */
    void drainSummaries(long nowMillis, boolean all, SummarySink sink) {
        for (Map.Entry<String, long[]> entry : windows.entrySet()) {
            long[] w = entry.getValue();
            if (w[2] > 0 && (all || windowOver(w, nowMillis))) {
                long seconds = Math.max(1, (nowMillis - w[0] + 999) / 1000);
                sink.summary(entry.getKey(), w[2], seconds);
                w[0] = nowMillis;
                w[1] = 0;
                w[2] = 0;
            }
        }
    }

    /** Over after a second, or at once if the wall clock stepped back (NTP) so a key is never muted. */
    private static boolean windowOver(long[] w, long nowMillis) {
        return nowMillis - w[0] >= 1000 || nowMillis < w[0];
    }

    interface SummarySink {
        void summary(String key, long held, long seconds);
    }
}
