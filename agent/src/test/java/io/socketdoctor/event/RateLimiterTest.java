package io.socketdoctor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Time is passed in explicitly, so nothing here sleeps. */
class RateLimiterTest {

    private static final long T0 = 1_700_000_000_000L;

    /** Records the summaries drained, as "key held seconds". */
    private static final class Summaries implements RateLimiter.SummarySink {
        final List<String> lines = new ArrayList<>();

        @Override
        public void summary(String key, long held, long seconds) {
            lines.add(key + " " + held + " " + seconds);
        }
    }

    private static int passes(RateLimiter limiter, String key, int events, long from, long step) {
        int passed = 0;
        for (int n = 0; n < events; n++) {
            if (limiter.tryPass(key, from + n * step)) {
                passed++;
            }
        }
        return passed;
    }

    @Test
    void tenEventsInOneSecondLetThreeThroughAndSumUpSeven() {
        RateLimiter limiter = new RateLimiter(3);
        assertEquals(3, passes(limiter, "ECONNRESET", 10, T0, 50)); // T0 .. T0+450
        Summaries s = new Summaries();

        limiter.drainSummaries(T0 + 999, false, s);
        assertEquals(List.of(), s.lines, "the second is not over yet");

        limiter.drainSummaries(T0 + 1000, false, s);
        assertEquals(List.of("ECONNRESET 7 1"), s.lines);

        limiter.drainSummaries(T0 + 1500, false, s);
        assertEquals(1, s.lines.size(), "a summary is reported once");
    }

    @Test
    void theFirstEventsPassAndTheRestAreHeld() {
        RateLimiter limiter = new RateLimiter(3);
        List<Boolean> results = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
            results.add(limiter.tryPass("EPIPE", T0 + n));
        }
        assertEquals(List.of(true, true, true, false, false), results);
    }

    @Test
    void keysAreIndependent() {
        RateLimiter limiter = new RateLimiter(3);
        assertEquals(3, passes(limiter, "ECONNRESET", 10, T0, 10));
        assertEquals(3, passes(limiter, "EPIPE", 4, T0 + 200, 10));
        assertEquals(0, passes(limiter, "ECONNRESET", 2, T0 + 300, 10));

        Summaries s = new Summaries();
        limiter.drainSummaries(T0 + 1000, false, s);
        assertEquals(List.of("ECONNRESET 9 1"), s.lines, "EPIPE's window (from T0+200) is not over yet");
        limiter.drainSummaries(T0 + 1200, false, s);
        assertEquals(List.of("ECONNRESET 9 1", "EPIPE 1 1"), s.lines);
    }

    @Test
    void passingResumesAfterTheWindow() {
        RateLimiter limiter = new RateLimiter(3);
        assertEquals(3, passes(limiter, "ECONNRESET", 10, T0, 10));
        Summaries s = new Summaries();
        limiter.drainSummaries(T0 + 1000, false, s);
        assertEquals(List.of("ECONNRESET 7 1"), s.lines);

        assertEquals(3, passes(limiter, "ECONNRESET", 5, T0 + 1000, 10));
        limiter.drainSummaries(T0 + 2000, false, s);
        assertEquals(List.of("ECONNRESET 7 1", "ECONNRESET 2 1"), s.lines);
    }

    @Test
    void aQuietKeyStartsAFreshWindowWithoutASummary() {
        RateLimiter limiter = new RateLimiter(2);
        assertEquals(2, passes(limiter, "ETIMEDOUT", 2, T0, 10));
        assertEquals(2, passes(limiter, "ETIMEDOUT", 3, T0 + 1500, 10));
        Summaries s = new Summaries();
        limiter.drainSummaries(T0 + 2000, false, s);
        assertEquals(List.of(), s.lines, "the new window began at T0+1500");
        limiter.drainSummaries(T0 + 2500, false, s);
        assertEquals(List.of("ETIMEDOUT 1 1"), s.lines);
    }

    @Test
    void summariesCountTheSecondsSinceTheWindowBegan() {
        RateLimiter limiter = new RateLimiter(1);
        assertEquals(1, passes(limiter, "EPIPE", 4, T0, 100));
        Summaries s = new Summaries();
        limiter.drainSummaries(T0 + 2500, false, s);
        assertEquals(List.of("EPIPE 3 3"), s.lines);
    }

    @Test
    void drainingAllReportsOpenWindowsToo() {
        RateLimiter limiter = new RateLimiter(1);
        assertEquals(1, passes(limiter, "EMFILE", 3, T0, 10));
        assertEquals(1, passes(limiter, "quiet", 1, T0, 10));
        Summaries s = new Summaries();
        limiter.drainSummaries(T0 + 100, true, s);
        assertEquals(List.of("EMFILE 2 1"), s.lines, "keys with nothing held are not summed up");
    }

    @Test
    void theRateKeyIsTheErrnoElseTheCauseElseUnknown() {
        Instant ts = Instant.EPOCH;
        assertEquals("ECONNRESET", Event.of(Event.SOCKET_ERROR).at(ts).errno("ECONNRESET", 104).cause("peer_reset_read", "exact")
                .call("read", "socket").exception("x", null).texts("d", "h").thread("t").build().rateKey());
        assertEquals("read_timeout_jdk", Event.of(Event.SOCKET_ERROR).at(ts).cause("read_timeout_jdk", "exact").call("read", "socket")
                .exception("x", null).texts("d", "h").thread("t").build().rateKey());
        assertEquals("unknown", Event.of(Event.SOCKET_ERROR).at(ts).call("read", "socket").exception("x", null).texts("d", "h")
                .thread("t").build().rateKey());
    }

    @Test
    void aBackwardClockStepDoesNotMuteTheKey() {
        RateLimiter limiter = new RateLimiter(1);
        assertTrue(limiter.tryPass("ECONNRESET", T0));
        assertFalse(limiter.tryPass("ECONNRESET", T0 + 1));
        // EventSink reads System.currentTimeMillis(), which NTP may step back (here by an hour).
        long back = T0 - 3_600_000;
        Summaries s = new Summaries();
        limiter.drainSummaries(back, false, s);
        assertEquals(List.of("ECONNRESET 1 1"), s.lines);
        assertTrue(limiter.tryPass("ECONNRESET", back + 1));
    }
}
