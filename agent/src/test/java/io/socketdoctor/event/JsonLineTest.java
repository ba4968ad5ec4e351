package io.socketdoctor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonLineTest {

    static final Instant TS = Instant.parse("2024-05-01T12:34:56.789Z");

    static final List<String> FIELDS = List.of("ts", "event", "errno", "errno_code", "confidence", "cause", "op",
            "api", "exception", "message", "local", "remote", "diagnosis", "hint", "thread", "site",
            "app_site", "library", "after", "after_cause", "after_ms",
            "age_ms", "idle_ms", "history", "eof_at", "eof_site", "reset_at", "reset_errno", "open_thread", "open_site",
            "tcp_state", "send_q", "recv_q");

    static Event reset() {
        return Event.of(Event.SOCKET_ERROR).at(TS).errno("ECONNRESET", 104).cause("peer_reset_read", "exact")
                .call("read", "socket").exception("java.net.SocketException", "Connection reset")
                .ends("10.0.0.1:40000", "10.0.0.2:80")
                .texts("The peer sent a TCP RST.", "Look at the peer's logs.").thread("main")
                .sites("com.acme.Client.send(Client.java:42)", null).build();
    }

    /** The tls field appears only on TLS connections, after api; a plain socket's line is unchanged. */
    @Test
    void theTlsFieldIsThereOnlyForTls() {
        Event plain = reset();
        Event tls = plain.toBuilder().cause("peer_reset_read_tls_handshake", plain.confidence()).tls("handshake")
                .build();
        assertFalse(JsonLine.format(plain).contains("\"tls\""), JsonLine.format(plain));
        String line = JsonLine.format(tls);
        Map<String, Object> json = Json.parseObject(line);
        assertEquals("handshake", json.get("tls"));
        assertEquals(FIELDS.size() + 1, json.size());
        assertTrue(line.contains("\"api\":\"socket\",\"tls\":\"handshake\",\"exception\""), line);
        Event established = Event.of(plain.type()).at(plain.ts()).call("write", "socket").texts("d.", "h.")
                .thread("main").tls("established").build();
        assertEquals("established", Json.parseObject(JsonLine.format(
                established.withTcp(new Event.TcpState("GONE", null, null)))).get("tls"), "withTcp keeps tls");
    }

    @Test
    void aFullEventHasEveryFieldWithItsValue() {
        String line = JsonLine.format(reset());
        Map<String, Object> json = Json.parseObject(line);

        assertEquals(Set.copyOf(FIELDS), json.keySet());
        assertEquals(FIELDS.size(), json.size());
        assertEquals("2024-05-01T12:34:56.789Z", json.get("ts"));
        assertEquals("socket_error", json.get("event"));
        assertEquals("ECONNRESET", json.get("errno"));
        assertEquals(104L, json.get("errno_code"));
        assertEquals("exact", json.get("confidence"));
        assertEquals("peer_reset_read", json.get("cause"));
        assertEquals("read", json.get("op"));
        assertEquals("socket", json.get("api"));
        assertEquals("java.net.SocketException", json.get("exception"));
        assertEquals("Connection reset", json.get("message"));
        assertEquals("10.0.0.1:40000", json.get("local"));
        assertEquals("10.0.0.2:80", json.get("remote"));
        assertEquals("The peer sent a TCP RST.", json.get("diagnosis"));
        assertEquals("Look at the peer's logs.", json.get("hint"));
        assertEquals("main", json.get("thread"));
        assertEquals("com.acme.Client.send(Client.java:42)", json.get("site"));

        assertTrue(line.contains("\"errno_code\":104,"), line);
        assertFalse(line.contains("\n"), "one line");
    }

    static final Identity ID = new Identity("check\"out", "pod-7", 4242L, "1.2.3", "i-1", "17.0.9");

    /** Every line names its process: service, host, pid and agent version, escaped once and appended after the event's own fields. */
    @Test
    void theIdentityFieldsFollowTheEventsOwn() {
        String identity = JsonLine.identityFields(ID);
        assertEquals(",\"service\":\"check\\\"out\",\"host\":\"pod-7\",\"pid\":4242,\"agent_version\":\"1.2.3\"", identity);
        String line = JsonLine.format(reset(), null, identity);
        Map<String, Object> json = Json.parseObject(line);
        assertEquals(FIELDS.size() + 4, json.size(), line);
        assertEquals("check\"out", json.get("service"));
        assertEquals("pod-7", json.get("host"));
        assertEquals(4242L, json.get("pid"));
        assertEquals("1.2.3", json.get("agent_version"));
        assertEquals(List.copyOf(json.keySet()).subList(0, FIELDS.size()), FIELDS, "the event's own fields keep their order");
        assertFalse(json.containsKey("level"), "the events file has no level");
    }

    /** log=json: the same line with the level after ts; the level is decided by Level alone. */
    @Test
    void theLogLineHasTheLevelAfterTheTimestamp() {
        String identity = JsonLine.identityFields(ID);
        String line = JsonLine.format(reset(), Level.of(reset()), identity);
        assertTrue(line.startsWith("{\"ts\":\"2024-05-01T12:34:56.789Z\",\"level\":\"WARN\",\"event\":\"socket_error\","), line);
        assertEquals(FIELDS.size() + 5, Json.parseObject(line).size());
        Event notice = Event.of("write_after_peer_close").at(TS).call("write", "socket").texts("d.", "h.")
                .thread("main").build();
        assertEquals("INFO", Json.parseObject(JsonLine.format(notice, Level.of(notice), identity)).get("level"));
        assertEquals(Level.WARN, Level.of("close_wait_leak"));
        assertEquals(Level.INFO, Level.of("write_after_reset"));
        assertEquals(Level.INFO, Level.of("stale_connection"));
        assertEquals(Level.INFO, Level.of("close_wait_census"));
    }

    /** The rate limit's summary under log=json is a JSON object too, with the count a shipper can add up. */
    @Test
    void theRateLimitSummaryIsAnObject() {
        String line = JsonLine.summary(TS, "ECONNRESET", 37, 1, JsonLine.identityFields(ID));
        Map<String, Object> json = Json.parseObject(line);
        assertEquals("2024-05-01T12:34:56.789Z", json.get("ts"));
        assertEquals("INFO", json.get("level"));
        assertEquals("log_rate_limited", json.get("event"));
        assertEquals("ECONNRESET", json.get("rate_key"));
        assertEquals(37L, json.get("more"));
        assertEquals(1L, json.get("seconds"));
        assertEquals("37 more ECONNRESET like this in the last 1 s", json.get("message"));
        assertEquals(4242L, json.get("pid"));
        Map<String, Object> notice = Json.parseObject(JsonLine.notice(TS, "no \"proc\"", JsonLine.identityFields(ID)));
        assertEquals("agent_notice", notice.get("event"));
        assertEquals("no \"proc\"", notice.get("message"));
    }

    /** The timestamp text is reused within a millisecond (events come in bursts); each event still gets its own. */
    @Test
    void eachEventGetsItsOwnTimestamp() {
        java.time.Instant[] times = {java.time.Instant.parse("2024-05-01T12:34:56.789Z"),
            java.time.Instant.parse("2024-05-01T12:34:56.789Z"), java.time.Instant.parse("2024-05-01T12:34:56.790Z"),
            java.time.Instant.parse("2024-05-01T12:34:57Z"), java.time.Instant.parse("2024-05-01T12:34:57.000001Z"),
            java.time.Instant.parse("2024-05-01T12:34:56.790Z")};
        Event base = reset();
        for (java.time.Instant t : times) {
            Event e = base.toBuilder().at(t).build();
            assertEquals(t.toString(), Json.parseObject(JsonLine.format(e)).get("ts"));
        }
    }

    /** A consequence names its root flat (log stores index flat fields); the application's frame and library beside the site. */
    @Test
    void aConsequenceNamesItsRootAndTheApplicationsFrame() {
        Event b = reset();
        Event e = Event.of(b.type()).at(b.ts()).cause("closed_after_refused", "exact").call("connect", "channel")
                .exception("java.nio.channels.ClosedChannelException", null).ends(null, "127.0.0.1:1")
                .texts("d.", "h.").thread("HttpClient-1-Worker-0")
                .sites(null, "com.acme.Main.main(Main.java:9)").library("jdk.httpclient")
                .after(new Event.After("ECONNREFUSED", "refused", 3, 42)).nanos(0).build();
        Map<String, Object> json = Json.parseObject(JsonLine.format(e));
        assertEquals("ECONNREFUSED", json.get("after"));
        assertEquals("refused", json.get("after_cause"));
        assertEquals(3L, json.get("after_ms"));
        assertEquals("com.acme.Main.main(Main.java:9)", json.get("app_site"));
        assertEquals("jdk.httpclient", json.get("library"));
        assertEquals(FIELDS.size(), json.size());
    }

    @Test
    void nullsAreJsonNull() {
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).call("write", "channel").exception("java.io.IOException", null)
                .texts("No rule.", "Report it.").thread("worker-1").build();
        String line = JsonLine.format(e);
        Map<String, Object> json = Json.parseObject(line);
        for (String name : List.of("errno", "errno_code", "confidence", "cause", "message", "local", "remote", "site",
                "app_site", "library", "after", "after_cause", "after_ms", "open_thread", "open_site")) {
            assertSame(Json.NULL, json.get(name), name);
            assertTrue(line.contains("\"" + name + "\":null"), name + " in " + line);
        }
        assertEquals("write", json.get("op"));
        assertEquals("worker-1", json.get("thread"));
        assertEquals(FIELDS.size(), json.size());
    }

    @Test
    void quotesBackslashesNewlinesAndControlCharactersAreEscaped() {
        String message = "He said \"no\" \\ C:\\tmp\nnext line\r\tTab \u0001\u001f\u0000 end";
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).call("read", "socket")
                .exception("java.net.SocketException", message).texts("D \"quoted\".", "H\\.").thread("t\"1")
                .build();
        String line = JsonLine.format(e);

        Map<String, Object> json = Json.parseObject(line);
        assertEquals(message, json.get("message"));
        assertEquals("D \"quoted\".", json.get("diagnosis"));
        assertEquals("H\\.", json.get("hint"));
        assertEquals("t\"1", json.get("thread"));

        assertTrue(line.contains("He said \\\"no\\\" \\\\ C:\\\\tmp\\nnext line\\r\\tTab \\u0001\\u001f\\u0000 end"), line);
        for (char c : line.toCharArray()) {
            assertTrue(c >= 0x20, "raw control character " + (int) c + " in " + line);
        }
    }

    @Test
    void nonAsciiTextPassesThrough() {
        String message = "Verbindung zurückgesetzt — 接続がリセットされました";
        Event e = Event.of(Event.SOCKET_ERROR).at(TS).call("read", "socket")
                .exception("java.net.SocketException", message).texts("D.", "H.").thread("main").build();
        assertEquals(message, Json.parseObject(JsonLine.format(e)).get("message"));
    }

    @Test
    void theCheckerRejectsInvalidJson() {
        // The hand-written checker must be able to fail, or the tests above prove nothing.
        assertThrows(IllegalArgumentException.class, () -> Json.parseObject("{\"a\":\"x\ny\"}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parseObject("{\"a\":\"\\q\"}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parseObject("{\"a\":1,}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parseObject("{\"a\":1,\"a\":2}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parseObject("{\"a\":nul}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parseObject("{\"a\":1} "));
        assertEquals(Map.of("a", 1L, "b", "\u00e9"), Json.parseObject("{\"a\":1,\"b\":\"\\u00e9\"}"));
    }

    /** A strict parser for the flat JSON objects JsonLine writes: string, integer and null values. */
    static final class Json {
        static final Object NULL = new Object() {
            @Override
            public String toString() {
                return "null";
            }
        };

        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Map<String, Object> parseObject(String text) {
            Json p = new Json(text);
            Map<String, Object> result = p.object();
            if (p.i != text.length()) {
                throw p.error("trailing text");
            }
            return result;
        }

        private Map<String, Object> object() {
            expect('{');
            Map<String, Object> out = new LinkedHashMap<>();
            if (peek() == '}') {
                i++;
                return out;
            }
            while (true) {
                String key = string();
                expect(':');
                if (out.put(key, value()) != null) {
                    throw error("duplicate key " + key);
                }
                char c = next();
                if (c == '}') {
                    return out;
                }
                if (c != ',') {
                    throw error("expected , or }");
                }
            }
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return NULL;
            }
            int start = i;
            if (c == '-') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start || (i == start + 1 && c == '-')) {
                throw error("expected a value");
            }
            return Long.parseLong(s.substring(start, i));
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c < 0x20) {
                    throw error("raw control character");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private void expect(char c) {
            if (next() != c) {
                throw error("expected " + c);
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at " + i + " in " + s);
        }
    }
}
