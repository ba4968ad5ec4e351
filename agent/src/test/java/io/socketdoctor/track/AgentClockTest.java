package io.socketdoctor.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The histories' clock: epoch milliseconds at its origin, and never backwards after it. */
class AgentClockTest {

    @Test
    void startsAtTheWallClockAndNeverGoesBack() {
        long wall = System.currentTimeMillis();
        AgentClock clock = AgentClock.monotonic();
        long first = clock.millis();
        assertTrue(Math.abs(first - wall) < 1000, first + " vs wall " + wall);
        long previous = first;
        for (int i = 0; i < 100_000; i++) {
            long t = clock.millis();
            assertTrue(t >= previous, t + " after " + previous);
            previous = t;
        }
    }

    @Test
    void countsElapsedTimeFromItsOrigin() {
        AgentClock.Monotonic clock = new AgentClock.Monotonic(1_000_000L, System.nanoTime() - 2_500_000_000L);
        long t = clock.millis();
        assertTrue(t >= 1_002_500 && t < 1_012_500, "2.5 s after the origin: " + t);
    }

    @Test
    void theTrackerReadsItsClock() {
        long[] fake = {42_000};
        Tracker tracker = new Tracker(new ConnectionTable(slots -> { }), new ConnectionStats(), new KernelTcp(),
                io.socketdoctor.config.Config.defaults(), () -> fake[0]);
        assertEquals(42_000, tracker.now());
        fake[0] = 42_100;
        assertEquals(42_100, tracker.now());
    }
}
