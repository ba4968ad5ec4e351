package io.socketdoctor.cli;

import java.time.Duration;
import java.time.Instant;

/**
 * The parts of the status report that both halves write: the agent when it answers inside the
 * JVM, the CLI when it builds the report from the published properties without loading anything.
 */
public final class StatusText {

    private StatusText() {
    }

    /** {@code attached: yes (attach, since 2026-11-25T19:32:55Z, 11 s ago)}: the status's first line. */
    public static String headline(String via, Instant since, Instant now) {
        StringBuilder out = new StringBuilder("attached: yes");
        if (via != null && since != null) {
            out.append(" (").append(via.equals(PresenceMarks.VIA_JAVAAGENT) ? "-javaagent" : "attach")
                    .append(", since ").append(since).append(", ").append(age(since, now)).append(" ago)");
        }
        return out.toString();
    }

    public static String age(Instant since, Instant now) {
        Duration d = Duration.between(since, now);
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        return (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }
}
