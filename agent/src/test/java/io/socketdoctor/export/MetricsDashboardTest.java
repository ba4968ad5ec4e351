package io.socketdoctor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alert rules in {@code scripts/} name only metrics the agent exposes, so a
 * renamed meter cannot leave them silently empty. (promtool checks the rules' syntax in CI, and
 * MetricsIT runs every dashboard query against a real Prometheus.)
 */
class MetricsDashboardTest {

    private static final Path SCRIPTS = Paths.get("..", "scripts");
    private static final Pattern METRIC = Pattern.compile("\\bsocket_[a-z_]+");

    private static Set<String> metricsNamedIn(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    @Test
    void theDashboardShowsEveryMetricAndNamesNoOther() throws IOException {
        String json = Files.readString(SCRIPTS.resolve("grafana-dashboard.json"));
        Set<String> named = metricsNamedIn(json);
        assertTrue(MetricsExpositionTest.FAMILIES.containsAll(named), "unknown metrics in the dashboard: " + named);
        Set<String> missing = new TreeSet<>(MetricsExpositionTest.FAMILIES);
        missing.removeAll(named);
        missing.remove("socket_doctor_connections_untracked_total"); // an internal counter, not worth a panel
        assertEquals(Set.of(), missing, "metrics without a panel");
        new Json(json).document();
        assertTrue(json.contains("\"type\": \"datasource\""), "a datasource variable, so any Prometheus can be picked");
        assertEquals(count(json, "\"uid\": \""), count(json, "\"uid\": \"${datasource}\"") + 1,
                "every query uses the datasource variable, never a fixed uid (the +1 is the dashboard's own)");
    }

    @Test
    void theAlertRulesNameOnlyExposedMetrics() throws IOException {
        Set<String> named = metricsNamedIn(Files.readString(SCRIPTS.resolve("prometheus-alerts.yml")));
        assertTrue(MetricsExpositionTest.FAMILIES.containsAll(named), "unknown metrics in the alert rules: " + named);
        assertTrue(named.containsAll(Set.of("socket_doctor_errors_total", "socket_doctor_tcp_sockets",
                "socket_doctor_close_wait_leaks_total", "socket_doctor_hooks_missing")), named.toString());
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    /** Just enough of a JSON parser to reject a file Grafana could not import. */
    private static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        void document() {
            value();
            space();
            assertEquals(s.length(), i, "trailing text at " + i);
        }

        private void value() {
            space();
            char c = s.charAt(i);
            if (c == '{') {
                members('}', true);
            } else if (c == '[') {
                members(']', false);
            } else if (c == '"') {
                string();
            } else if (s.startsWith("true", i) || s.startsWith("null", i)) {
                i += 4;
            } else if (s.startsWith("false", i)) {
                i += 5;
            } else {
                int start = i;
                while (i < s.length() && "-+.eE0123456789".indexOf(s.charAt(i)) >= 0) {
                    i++;
                }
                assertTrue(i > start, "a value at " + start);
            }
        }

        private void members(char close, boolean object) {
            i++;
            space();
            if (s.charAt(i) == close) {
                i++;
                return;
            }
            while (true) {
                if (object) {
                    space();
                    string();
                    space();
                    assertEquals(':', s.charAt(i++), "':' at " + (i - 1));
                }
                value();
                space();
                char c = s.charAt(i++);
                if (c == close) {
                    return;
                }
                assertEquals(',', c, "',' or '" + close + "' at " + (i - 1));
            }
        }

        private void string() {
            assertEquals('"', s.charAt(i++), "a string at " + (i - 1));
            while (s.charAt(i) != '"') {
                i += s.charAt(i) == '\\' ? 2 : 1;
            }
            i++;
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}
