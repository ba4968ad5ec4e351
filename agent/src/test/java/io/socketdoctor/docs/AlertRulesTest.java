package io.socketdoctor.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alert rules in {@code scripts/prometheus-alerts.yml} each lead to a runbook section that
 * exists (their {@code runbook_url} names a heading of the file, by GitHub's rules for anchors),
 * and each has a {@code promtool test rules} case in {@code scripts/prometheus-alerts.test.yml}
 * where it fires and one where it stays quiet. (promtool itself runs those cases in
 * {@code scripts/test.sh} and {@code MetricsIT}; this needs no promtool.)
 */
class AlertRulesTest {

    private static final Pattern ALERT = Pattern.compile("^\\s+- alert: (\\w+)\\s*$");
    private static final Pattern RUNBOOK = Pattern.compile("^\\s+runbook_url: \"([^\"#]+)#([^\"]+)\"\\s*$");
    private static final Pattern TESTED = Pattern.compile("^\\s+alertname: (\\w+)\\s*$");

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /** Each alert of the rules file with its runbook_url (null when it has none), in order. */
    static Map<String, String> runbooks(List<String> rules) {
        Map<String, String> urls = new LinkedHashMap<>();
        String alert = null;
        for (String line : rules) {
            Matcher a = ALERT.matcher(line);
            if (a.matches()) {
                alert = a.group(1);
                urls.put(alert, null);
                continue;
            }
            Matcher r = RUNBOOK.matcher(line);
            if (r.matches() && alert != null) {
                urls.put(alert, r.group(1) + "#" + r.group(2));
            }
        }
        return urls;
    }

    @Test
    void everyAlertHasARunbookSectionThatExists() throws IOException {
        Path root = Repo.root();
        Map<String, String> urls = runbooks(lines(root.resolve("scripts/prometheus-alerts.yml")));
        assertTrue(urls.size() >= 8, "the alerts were found: " + urls.keySet());
        List<String> broken = new ArrayList<>();
        for (Map.Entry<String, String> e : urls.entrySet()) {
            String url = e.getValue();
            if (url == null) {
                broken.add(e.getKey() + ": no runbook_url");
                continue;
            }
            Path page = root.resolve(url.substring(0, url.indexOf('#'))).normalize();
            String anchor = url.substring(url.indexOf('#') + 1);
            if (!page.startsWith(root.resolve("docs")) || !Files.isRegularFile(page)) {
                broken.add(e.getKey() + ": " + url + " is not a page under docs/");
            } else if (!DocLinksTest.anchors(lines(page)).contains(anchor)) {
                broken.add(e.getKey() + ": " + url + " names no heading of " + root.relativize(page));
            }
        }
        assertEquals("", String.join("\n", broken));
    }

    @Test
    void theRunbookUrlsAreReadFromTheRules() {
        assertEquals(Map.of("A", "docs/runbook.md#a", "B", "docs/x.md#b"), runbooks(List.of(
                "      - alert: A", "        annotations:", "          runbook_url: \"docs/runbook.md#a\"",
                "      - alert: B", "          runbook_url: \"docs/x.md#b\"")));
        Map<String, String> missing = runbooks(List.of("      - alert: C", "        annotations:"));
        assertTrue(missing.containsKey("C") && missing.get("C") == null, missing.toString());
    }

    @Test
    void everyAlertIsTestedFiringAndQuiet() throws IOException {
        Path root = Repo.root();
        Set<String> alerts = new TreeSet<>(runbooks(lines(root.resolve("scripts/prometheus-alerts.yml"))).keySet());
        Map<String, Set<String>> outcomes = new TreeMap<>();
        String alert = null;
        for (String line : lines(root.resolve("scripts/prometheus-alerts.test.yml"))) {
            Matcher t = TESTED.matcher(line);
            if (t.matches()) {
                alert = t.group(1);
            } else if (alert != null && line.strip().startsWith("exp_alerts:")) {
                outcomes.computeIfAbsent(alert, k -> new TreeSet<>())
                        .add(line.strip().equals("exp_alerts: []") ? "quiet" : "fires");
                alert = null;
            }
        }
        Map<String, Set<String>> expected = new TreeMap<>();
        for (String a : alerts) {
            expected.put(a, new TreeSet<>(List.of("fires", "quiet")));
        }
        assertEquals(expected.toString(), outcomes.toString(),
                "each alert has a case where it fires and one where it stays quiet, and no test names another alert");
    }
}
