package io.socketdoctor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The durations closewait.after and idle.after take, and the one line a bad one gets. */
class DurationsTest {

    @ParameterizedTest
    @CsvSource({"500ms, 500", "30s, 30000", "5m, 300000", "1h, 3600000", " 2s , 2000"})
    void validDurations(String text, long millis) {
        assertEquals(millis, Durations.parseMillis(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "soon", "0s", "-5s", "1.5s", "s", "99999999999999999h"})
    void invalidDurationsAreRejectedWithTheAcceptedForm(String text) {
        assertEquals(-1, Durations.parseMillis(text));
        for (String key : new String[] {"closewait.after", "idle.after"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Config.parse(key + "=" + text, new Properties(), Map.of()));
            assertTrue(e.getMessage().contains(key + " takes a duration such as 30s, 500ms or 5m"), e.getMessage());
            assertTrue(e.getMessage().endsWith("Socket Doctor is off; the application runs normally."), e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({"closewait.after=2s, 2000", "idle.after=250ms, 250"})
    void theConfigCarriesTheMillis(String option, long millis) throws ConfigException {
        Config config = Config.parse(option, new Properties(), Map.of());
        long actual = option.startsWith("closewait") ? config.closeWaitAfterMillis() : config.idleAfterMillis();
        assertEquals(millis, actual);
    }
}
