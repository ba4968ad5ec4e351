package io.socketdoctor.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code serve [seconds]}: a steady, low, mixed rate of real loopback failures (resets, refused
 * connects, read timeouts, broken pipes), so that a dashboard fed by the agent's metrics has
 * something to show. One scenario per {@value #SLOT_MILLIS} ms at most, until killed or until
 * the given number of seconds has passed. Stdout gets one line every {@value #REPORT_SECONDS} s.
 */
final class Serve {

    /** At most 1000 / SLOT_MILLIS failures per second, whatever the scenarios do. */
    static final long SLOT_MILLIS = 400;
    static final long REPORT_SECONDS = 10;

    /**
     * Scenarios that fail on every run, on a socket or a channel, with and without an errno; the
     * last two also write into connections known to be dead (the write-after warnings). A name
     * this build of the demo does not have is left out.
     */
    private static final List<String> MIX = List.of("reset-during-read", "connection-refused", "read-timeout",
            "write-after-peer-close", "channel-reset-during-read", "write-after-reset", "channel-connection-refused",
            "write-after-eof", "write-after-reset-seen");

    private Serve() {
    }

    /** @param seconds how long to run; 0 runs until the process is killed */
    static void run(long seconds) throws InterruptedException {
        List<Scenario> mix = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String name : MIX) {
            Scenario scenario = Scenario.named(name);
            if (scenario != null) {
                mix.add(scenario);
                names.add(name);
            }
        }
        long start = System.nanoTime();
        long end = seconds > 0 ? start + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
        System.out.println("[demo] serve: about " + 1000 / SLOT_MILLIS + " real loopback failures per second ("
                + String.join(", ", names) + ") " + (seconds > 0 ? "for " + seconds + " s" : "until killed"));
        System.out.flush();
        long failures = 0;
        long nextReport = start + TimeUnit.SECONDS.toNanos(REPORT_SECONDS);
        for (long round = 0; System.nanoTime() < end; round++) {
            long slotEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SLOT_MILLIS);
            if (caught(mix.get((int) (round % mix.size())))) {
                failures++;
            }
            long now = System.nanoTime();
            if (now >= nextReport) {
                System.out.println("[demo] serve: " + failures + " failures in "
                        + TimeUnit.NANOSECONDS.toSeconds(now - start) + " s");
                System.out.flush();
                nextReport += TimeUnit.SECONDS.toNanos(REPORT_SECONDS);
            }
            long wait = Math.min(slotEnd, end) - now;
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        System.out.println("[demo] serve: done, " + failures + " failures");
        System.out.flush();
    }

    /** Runs one scenario; true if it ended with the failure it provokes. */
    private static boolean caught(Scenario scenario) {
        try {
            return scenario.body().call().exception() != null;
        } catch (Exception setupFailed) {
            return false; // its setup broke (a port race, say): the next slot tries another scenario
        }
    }
}
