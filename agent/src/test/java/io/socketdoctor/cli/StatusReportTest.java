package io.socketdoctor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code status} from the two properties the agent publishes: no agent load to ask. */
class StatusReportTest {

    private static final String SESSION = PresenceMarks.describe("1.2.3", PresenceMarks.VIA_ATTACH,
            Instant.parse("2026-11-25T19:32:55Z"), "log=stderr,events=/tmp/e.jsonl");

    @Test
    void theHeadlineIsComputedNowAndTheBodyIsThePublishedOne() {
        String published = PresenceMarks.AS_OF + "2026-11-25T19:33:05.500Z\nagent: Socket Doctor 1.2.3\nfailures: 28";
        String report = Commands.statusReport(SESSION, published, Instant.parse("2026-11-25T19:33:06Z"));
        assertEquals("attached: yes (attach, since 2026-11-25T19:32:55Z, 11 s ago)\nagent: Socket Doctor 1.2.3\n"
                + "failures: 28\nas of: 2026-11-25T19:33:05.500Z (500 ms ago; read from the JVM's system properties,"
                + " nothing was loaded into it)", report);
    }

    @Test
    void anAgentThatPublishesNothingGetsTheHeadlineAndOptionsOnly() {
        String report = Commands.statusReport(SESSION, null, Instant.parse("2026-11-25T19:33:06Z"));
        assertTrue(report.startsWith("attached: yes (attach, since 2026-11-25T19:32:55Z, 11 s ago)\n"), report);
        assertTrue(report.contains("publishes no status") && report.endsWith("options: log=stderr,events=/tmp/e.jsonl"),
                report);
    }
}
