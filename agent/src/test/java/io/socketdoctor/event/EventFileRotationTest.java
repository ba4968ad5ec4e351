package io.socketdoctor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code events.max}: the file is rotated to {@code .1}, one old file kept, no line cut. */
class EventFileRotationTest {

    @TempDir
    Path dir;

    @Test
    void theEventFileIsRotatedAtItsCap() throws Exception {
        Path file = dir.resolve("events.jsonl");
        Config config = Config.parse("log=off,events=" + file + ",events.max=2KB", new Properties(), Map.of());
        EventSink sink = EventSink.open(config);
        sink.start(() -> { });
        int n = 60;
        for (int i = 0; i < n; i++) {
            sink.offer(Event.of(Event.SOCKET_ERROR).at(Instant.parse("2026-01-01T00:00:00Z")).call("read", "socket")
                    .exception("java.net.SocketException", "failure " + i).texts("D.", "H.").thread("main")
                    .build());
            if (i % 10 == 9) {
                Thread.sleep(50);
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sink.written() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        sink.stop();
        assertEquals(n, sink.written());
        Path old = dir.resolve("events.jsonl.1");
        assertTrue(Files.size(file) <= 2048, "current " + Files.size(file));
        assertTrue(Files.size(old) <= 2048 && Files.size(old) > 1024, "old " + Files.size(old));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "one old file kept");
        }
        var lines = Files.readAllLines(file);
        assertTrue(lines.get(lines.size() - 1).contains("\"message\":\"failure " + (n - 1) + "\""), lines.toString());
        for (Path p : new Path[] {old, file}) {
            for (String line : Files.readAllLines(p)) {
                assertTrue(line.startsWith("{") && line.endsWith("}"), line);
            }
        }
    }
}
