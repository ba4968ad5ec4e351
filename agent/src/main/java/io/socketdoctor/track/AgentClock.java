package io.socketdoctor.track;

/**
 * The one clock of connection histories, in milliseconds: the tracker ticks it into the table's
 * coarse slot (what the bridge stamps reads and writes with), and opens, EOFs, resets and the
 * "now" of every history are read from it. Monotonic: the wall clock at the agent's start plus
 * the time elapsed since (System.nanoTime), so a step of the system clock (NTP, a VM resumed)
 * never makes a history run backwards. Its values read as epoch milliseconds, for the instants a
 * history shows.
 */
public interface AgentClock {

    /** Now, in this clock's milliseconds. */
    long millis();

    /** A new monotonic clock whose origin is the wall clock now. */
    static AgentClock monotonic() {
        return new Monotonic(System.currentTimeMillis(), System.nanoTime());
    }

    /** A class, not a lambda: nothing to spin while the JVM starts. */
    final class Monotonic implements AgentClock {
        private final long wallOrigin;
        private final long nanoOrigin;

        Monotonic(long wallOrigin, long nanoOrigin) {
            this.wallOrigin = wallOrigin;
            this.nanoOrigin = nanoOrigin;
        }

        @Override
        public long millis() {
            return wallOrigin + (System.nanoTime() - nanoOrigin) / 1_000_000L;
        }
    }
}
