package io.socketdoctor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code events.mode}: the events file and its rotated {@code .1} get 0600 (or the mode given),
 * whatever the umask (this JVM's is typically 022, which would make them 0644); a file that
 * already exists keeps its mode.
 */
class EventFileModeTest {

    @TempDir
    Path dir;

    @Test
    void aNewFileAndItsRotationAreOwnerOnlyByDefault() throws Exception {
        Path file = dir.resolve("events.jsonl");
        writeAndRotate(file, "");
        assertEquals("rw-------", mode(file));
        assertEquals("rw-------", mode(dir.resolve("events.jsonl.1")), "the rotated file");
    }

    @Test
    void eventsModeWidensItForAGroup() throws Exception {
        Path file = dir.resolve("events.jsonl");
        writeAndRotate(file, ",events.mode=0640");
        assertEquals("rw-r-----", mode(file));
        assertEquals("rw-r-----", mode(dir.resolve("events.jsonl.1")));
    }

    @Test
    void anExistingFileKeepsItsMode() throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.createFile(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
        EventSink sink = EventSink.open(Config.parse("log=off,events=" + file, new Properties(), Map.of()));
        sink.start(() -> { });
        sink.stop();
        assertEquals("rw-rw-r--", mode(file));
    }

    private static void writeAndRotate(Path file, String options) throws Exception {
        Config config = Config.parse("log=off,events=" + file + ",events.max=1KB" + options, new Properties(),
                Map.of());
        EventSink sink = EventSink.open(config);
        assertTrue(Files.exists(file), "created when opened");
        sink.start(() -> { });
        int n = 30;
        for (int i = 0; i < n; i++) {
            sink.offer(Event.of(Event.SOCKET_ERROR).at(Instant.parse("2026-01-01T00:00:00Z")).call("read", "socket")
                    .exception("java.net.SocketException", "failure " + i).texts("D.", "H.").thread("main")
                    .build());
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sink.written() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        sink.stop();
        assertEquals(n, sink.written());
        assertTrue(Files.exists(file.resolveSibling(file.getFileName() + ".1")), "rotated");
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
