package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each real-client scenario of {@link RealClientsIT} must tell (issue 15): one story per
 * incident (a consequence names its first failure and never blames the application), the
 * application's frame beside the library's, the library by name, kernel states and histories that
 * cannot contradict the failure, and hints that name the pool's knob.
 */
final class DiagnosisTruth {

    private DiagnosisTruth() {
    }

    private static final String PROBE = "io.socketdoctor.it.probe.RealClientsProbe.";

    static void check(String scenario, Events events, Jvm.Result run) {
        String context = "\n" + events.all() + "\n" + run.describe();
        List<Map<String, Object>> errors = events.where(e -> "socket_error".equals(e.get("event")));
        for (Map<String, Object> e : errors) {
            // Nothing says "stop using it after close" of a channel a library closed after a failure it saw.
            if (List.of("channel_closed", "socket_closed").contains(e.get("cause"))) {
                assertTrue(scenario.equals("channel-reset-then-closed") && e.get("after") == null,
                        "a closed channel blamed on the application: " + e + context);
            }
            // A reset drops the connection in the kernel at once: never ESTABLISHED afterwards.
            if ("ECONNRESET".equals(e.get("errno")) && e.get("tcp_state") != null) {
                assertEquals("GONE", e.get("tcp_state"), "kernel state after a reset: " + e + context);
            }
            historyIsInOrder(e, context);
        }
        switch (scenario.replaceFirst("=.*", "")) {
            case "httpclient-refused" -> {
                List<Map<String, Object>> roots = errors.stream().filter(e -> "refused".equals(e.get("cause"))).toList();
                List<Map<String, Object>> follow = errors.stream().filter(e -> e.get("after") != null).toList();
                assertFalse(roots.isEmpty(), context);
                assertFalse(follow.isEmpty(), "HttpClient closes the refused channel and connects on it again" + context);
                assertEquals(errors.size(), roots.size() + follow.size(), "every event is a root or a follow-up" + context);
                for (Map<String, Object> e : follow) {
                    assertEquals("closed_after_refused", e.get("cause"), context);
                    assertEquals("ECONNREFUSED", e.get("after"), context);
                    assertEquals("refused", e.get("after_cause"), context);
                    long ms = (Long) e.get("after_ms");
                    assertTrue(ms >= 0 && ms < 2000, context);
                    assertTrue(((String) e.get("hint")).startsWith("Look at the first failure, the refused connect"), context);
                    assertTrue(roots.stream().anyMatch(r -> r.get("remote").equals(e.get("remote"))), context);
                }
                for (Map<String, Object> e : errors) {
                    assertEquals("jdk.httpclient", e.get("library"), context);
                    assertNull(e.get("app_site"), "the HttpClient's own threads run no application code" + context);
                }
                // One log line per first failure for its follow-ups, none that blames the application.
                assertTrue(countLines(run.stderr(), "follow-up of ECONNREFUSED") <= roots.size(), context);
                assertFalse(run.stderr().contains("stop using it after close"), context);
            }
            case "httpclient-reset", "httpclient-tls-reset" -> {
                for (Map<String, Object> e : errors) {
                    assertEquals("jdk.httpclient", e.get("library"), context);
                    assertTrue(((String) e.get("thread")).startsWith("HttpClient-"), context);
                }
            }
            case "okhttp-refused" -> {
                Map<String, Object> e = only(errors, "ECONNREFUSED", context);
                assertEquals("okhttp", e.get("library"), context);
                assertTrue(((String) e.get("site")).startsWith("okhttp3."), "site stays the first non-JDK frame" + context);
                assertTrue(((String) e.get("thread")).startsWith("OkHttp "), context);
            }
            case "okhttp-reset" -> {
                Map<String, Object> e = only(errors, "ECONNRESET", context);
                assertEquals("okhttp", e.get("library"), context);
                assertTrue(((String) e.get("site")).startsWith("okio."), context);
                assertTrue(((String) e.get("app_site")).startsWith(PROBE + "okHttpGet("), "the application's frame" + context);
            }
            case "okhttp-stale" -> {
                List<Map<String, Object>> stale = events.where(e -> "stale_connection".equals(e.get("event")));
                assertEquals(1, stale.size(), context);
                Map<String, Object> e = stale.get(0);
                assertEquals("okhttp", e.get("library"), context);
                assertTrue(((String) e.get("app_site")).startsWith(PROBE + "okHttpGet("), context);
                String hint = (String) e.get("hint");
                assertTrue(hint.contains("keep OkHttp's ConnectionPool keep-alive"), hint);
                Matcher idle = Pattern.compile("has closed connections idle for (\\d+\\.\\d) s or more.*below (\\d+\\.\\d) s")
                        .matcher(hint);
                assertTrue(idle.find(), hint);
                double seen = Double.parseDouble(idle.group(1));
                assertTrue(seen >= 1.4 && seen <= 5.0, "the server closes after 1.5 s idle: " + hint);
                assertTrue(Double.parseDouble(idle.group(2)) < seen, hint);
            }
            case "okhttp-close-wait" -> {
                // Four pooled connections the server closed; OkHttp never reads their EOF.
                List<Map<String, Object>> leaks = events.where(e -> "close_wait_leak".equals(e.get("event")));
                assertEquals(4, leaks.size(), "one leak per pooled connection" + context);
                assertEquals(4, leaks.stream().map(e -> e.get("local")).distinct().count(), context);
                for (Map<String, Object> e : leaks) {
                    assertEquals("close_wait_leak_unread", e.get("cause"), context);
                    assertNotNull(e.get("remote"), context);
                    assertNotNull(e.get("open_thread"), context);
                    assertTrue((Long) e.get("age_ms") >= (Long) e.get("idle_ms"), context);
                    assertEquals("okhttp", e.get("library"), "the pool's library, from where it was opened" + context);
                    assertTrue(((String) e.get("hint")).contains("OkHttp's ConnectionPool keep-alive"), context);
                }
                assertTrue(events.where(e -> "close_wait_census".equals(e.get("event"))).isEmpty(),
                        "the census tells only of sockets no connection explains" + context);
            }
            case "netty-nio-refused", "netty-nio-reset" -> {
                assertFalse(errors.isEmpty(), context);
                for (Map<String, Object> e : errors) {
                    assertEquals("netty", e.get("library"), context);
                    assertNull(e.get("app_site"), "an event loop runs no application code" + context);
                }
            }
            case "channel-reset-then-closed" -> {
                assertEquals(3, errors.size(), context);
                Map<String, Object> reset = errors.get(0);
                assertEquals("peer_reset_read", reset.get("cause"), context);
                assertNull(reset.get("after"), context);
                Map<String, Object> follow = errors.get(1);
                assertEquals("closed_after_reset", follow.get("cause"), context);
                assertEquals("ECONNRESET", follow.get("after"), context);
                assertEquals("peer_reset_read", follow.get("after_cause"), context);
                assertEquals(reset.get("local"), follow.get("local"), "the same connection" + context);
                assertEquals("probe-library-writer", follow.get("thread"), context);
                Map<String, Object> stranger = errors.get(2);
                assertEquals("channel_closed", stranger.get("cause"), "an unrelated failure is its own story" + context);
                assertNull(stranger.get("after"), context);
                assertNull(reset.get("library"), "plain application sockets have no library" + context);
            }
            default -> {
            }
        }
    }

    private static Map<String, Object> only(List<Map<String, Object>> errors, String errno, String context) {
        List<Map<String, Object>> matching = errors.stream().filter(e -> errno.equals(e.get("errno"))).toList();
        assertEquals(1, matching.size(), context);
        return matching.get(0);
    }

    private static final Pattern AGO = Pattern.compile("(connected|accepted|last read|last write) (\\d+\\.\\d) s ago");

    /** A history never says that an I/O happened before the connection existed. */
    static void historyIsInOrder(Map<String, Object> e, String context) {
        Object history = e.get("history");
        if (!(history instanceof String)) {
            return;
        }
        Matcher m = AGO.matcher((String) history);
        double opened = -1;
        while (m.find()) {
            double ago = Double.parseDouble(m.group(2));
            if (m.group(1).equals("connected") || m.group(1).equals("accepted")) {
                opened = ago;
            } else {
                assertTrue(opened >= 0, "an I/O before the open is named: " + history + context);
                assertTrue(ago <= opened, "an I/O before the connection existed: " + history + context);
            }
        }
        Object age = e.get("age_ms");
        Object idle = e.get("idle_ms");
        if (age instanceof Long && idle instanceof Long) {
            assertTrue((Long) idle <= (Long) age, "idle longer than the connection's age: " + e + context);
        }
    }

    private static int countLines(String text, String part) {
        int n = 0;
        for (String line : text.split("\n")) {
            if (line.contains(part)) {
                n++;
            }
        }
        return n;
    }
}
