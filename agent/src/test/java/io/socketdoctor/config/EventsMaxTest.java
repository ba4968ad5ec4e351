package io.socketdoctor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code events.max}: the events file's size cap. */
class EventsMaxTest {

    @Test
    void sizesParseInBinaryUnits() {
        assertEquals(512L * 1024, Config.parseBytes("512KB"));
        assertEquals(10L * 1024 * 1024, Config.parseBytes("10mb"));
        assertEquals(1L << 30, Config.parseBytes("1G"));
        assertEquals(-1, Config.parseBytes("12XB"));
        assertEquals(-1, Config.parseBytes("0KB"));
        assertEquals(-1, Config.parseBytes("-1MB"));
        assertEquals(-1, Config.parseBytes("2048GB"));
        assertEquals(-1, Config.parseBytes(""));
    }

    @Test
    void theDefaultIs100MbAndIsNotPrinted() throws ConfigException {
        Config c = Config.parse(null, new Properties(), Map.of());
        assertEquals(100L * 1024 * 1024, c.eventsMaxBytes());
        assertTrue(!c.toString().contains("events.max"), c.toString());
        Config set = Config.parse("events.max=10mb", new Properties(), Map.of());
        assertEquals(10L * 1024 * 1024, set.eventsMaxBytes());
        assertTrue(set.toString().contains("events.max=10MB"), set.toString());
    }

    @Test
    void aBadSizeIsOneClearMessage() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.parse("events.max=lots", new Properties(), Map.of()));
        assertTrue(e.getMessage().contains("events.max=lots") && e.getMessage().contains("10MB"), e.getMessage());
    }
}
