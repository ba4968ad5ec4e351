package io.socketdoctor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code events.mode}: who may read the events file; 0600 unless given. */
class EventsModeTest {

    @Test
    void theDefaultIsOwnerOnlyAndIsNotPrinted() throws ConfigException {
        Config c = Config.parse("events=/tmp/e.jsonl", new Properties(), Map.of());
        assertEquals("rw-------", PosixFilePermissions.toString(c.eventsMode()));
        assertTrue(!c.toString().contains("events.mode"), c.toString());
    }

    @Test
    void anOctalModeIsNormalisedToFourDigits() throws ConfigException {
        Config c = Config.parse("events.mode=640", new Properties(), Map.of());
        assertEquals("rw-r-----", PosixFilePermissions.toString(c.eventsMode()));
        assertTrue(c.toString().contains("events.mode=0640"), c.toString());
        Config env = Config.parse(null, new Properties(), Map.of("SOCKETDOCTOR_EVENTS_MODE", "0644"));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(env.eventsMode()));
        Properties p = new Properties();
        p.setProperty("socketdoctor.events.mode", "0660");
        assertEquals("rw-rw----", PosixFilePermissions.toString(Config.parse(null, p, Map.of()).eventsMode()));
    }

    @Test
    void modesThatLockTheOwnerOutOrLetOthersWriteAreRefused() {
        for (String bad : new String[] {"0400", "0200", "0044", "0666", "0602", "4600", "1600", "0800", "rw-------",
            "600x", "06000", ""}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Config.parse("events.mode=" + bad, new Properties(), Map.of()), bad);
            assertTrue(e.getMessage().contains("events.mode") && e.getMessage().contains("0640"), e.getMessage());
        }
    }

    @Test
    void permissionsFollowTheOctalDigits() {
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Config.permissions("0750")));
        assertEquals("rw-------", PosixFilePermissions.toString(Config.permissions("600")));
    }
}
