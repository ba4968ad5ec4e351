package io.socketdoctor.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.config.Config;
import io.socketdoctor.config.ConfigException;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.Identity;
import io.socketdoctor.event.JsonLine;
import io.socketdoctor.event.Level;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The examples in docs/ are copied into real configurations, so they must work: the log shippers'
 * snippets (docs/examples/logs) read only fields the agent writes, docs/logs.md quotes each of them
 * word for word, and every agent option written in the examples and the documentation (the
 * {@code -javaagent:...=} arguments, {@code SOCKETDOCTOR_*} variables) is one the agent's own parser accepts.
 */
class DocExamplesTest {

    private static final Path LOGS = Path.of("docs", "examples", "logs");

    /** Every field name a JSON line of the agent's can have: a full event under log=json, the summary, the notice. */
    static Set<String> writtenFields() {
        Event full = Event.of(Event.SOCKET_ERROR).at(Instant.parse("2026-12-06T20:45:00.123Z"))
                .errno("ECONNRESET", 104).cause("peer_reset_read", "exact").call("read", "socket")
                .exception("java.net.SocketException", "Connection reset").ends("10.0.0.1:40000", "10.0.0.2:80")
                .texts("d.", "h.").thread("main").sites("a.B.c(B.java:1)", "a.B.c(B.java:1)").library("okhttp")
                .tls("established").after(new Event.After("ECONNREFUSED", "refused", 3, 42))
                .history(new Event.History(1L, 2L, "connected 0.1 s ago", Instant.EPOCH, "a.B.c(B.java:2)",
                        Instant.EPOCH, "ECONNRESET", "main", "a.B.c(B.java:3)"))
                .tcp(new Event.TcpState("GONE", 0L, 0L)).build();
        String identity = JsonLine.identityFields(Identity.of(Config.defaults()));
        Set<String> fields = new TreeSet<>();
        for (String line : List.of(JsonLine.format(full, Level.of(full), identity),
                JsonLine.summary(full.ts(), "ECONNRESET", 3, 1, identity), JsonLine.notice(full.ts(), "n", identity))) {
            Matcher key = Pattern.compile("[{,]\"([a-z_]+)\":").matcher(line);
            while (key.find()) {
                fields.add(key.group(1));
            }
        }
        return fields;
    }

    @Test
    void theFieldListIsTheRealOne() {
        Set<String> fields = writtenFields();
        for (String field : List.of("ts", "level", "event", "errno", "cause", "tls", "after_ms", "history",
                "tcp_state", "service", "host", "pid", "agent_version", "rate_key", "more")) {
            assertTrue(fields.contains(field), field + " in " + fields);
        }
        assertTrue(!fields.contains("errno_name") && !fields.contains("version"), fields::toString);
    }

    /** Fluent Bit: Time_Key, the grep filter's Regex/Exclude keys, and record accessors ($field). */
    static Set<String> fluentBitFields(String text) {
        return matches(text, "(?m)^\\s*Time_Key\\s+(\\S+)", "(?m)^\\s*(?:Regex|Exclude)\\s+(\\S+)",
                "\\$([A-Za-z_]\\w*)");
    }

    /**
     * Vector: the paths VRL reads ({@code .errno}) inside {@code source} and {@code condition}, except
     * the ones a line only assigns ({@code .timestamp = ...}), and {@code {{ field }}} templates.
     */
    static Set<String> vectorFields(String text) {
        Set<String> read = new TreeSet<>();
        Set<String> assigned = new TreeSet<>();
        Matcher vrl = Pattern.compile("(?s)(?:source|condition)\\s*=\\s*('''.*?'''|'[^'\\n]*'|\"\"\".*?\"\"\")").matcher(text);
        while (vrl.find()) {
            String code = vrl.group(1);
            assigned.addAll(matches(code, "(?m)^\\s*\\.([A-Za-z_]\\w*)\\s*=(?!=)"));
            read.addAll(matches(code.replaceAll("(?m)^\\s*\\.[A-Za-z_]\\w*\\s*=(?!=)", ""),
                    "(?<![\\w\\])\"'])\\.([A-Za-z_]\\w*)"));
        }
        read.addAll(matches(text, "\\{\\{\\s*([A-Za-z_]\\w*)\\s*\\}\\}"));
        return read;
    }

    /** Promtail: the JMESPath of each {@code json} stage's expressions (the key when the value is empty). */
    static Set<String> promtailFields(String text) {
        Set<String> fields = new TreeSet<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher start = Pattern.compile("^(\\s*)expressions:\\s*$").matcher(lines[i]);
            if (!start.matches()) {
                continue;
            }
            int indent = start.group(1).length();
            for (int j = i + 1; j < lines.length; j++) {
                Matcher entry = Pattern.compile("^(\\s*)([\\w.]+):\\s*(\\S*)\\s*$").matcher(lines[j]);
                if (!entry.matches() || entry.group(1).length() <= indent) {
                    break;
                }
                fields.add(entry.group(3).isEmpty() ? entry.group(2) : entry.group(3).replace("\"", ""));
            }
        }
        return fields;
    }

    private static Set<String> matches(String text, String... patterns) {
        Set<String> found = new TreeSet<>();
        for (String pattern : patterns) {
            Matcher m = Pattern.compile(pattern).matcher(text);
            while (m.find()) {
                found.add(m.group(1));
            }
        }
        return found;
    }

    @Test
    void everyFieldTheShippersSnippetsReadIsOneTheAgentWrites() throws IOException {
        Path root = Repo.root();
        Set<String> written = writtenFields();
        Map<String, Set<String>> read = new TreeMap<>();
        read.put("fluent-bit.conf", fluentBitFields(read(root.resolve(LOGS).resolve("fluent-bit.conf"))));
        read.put("socket-doctor-parsers.conf", fluentBitFields(read(root.resolve(LOGS).resolve("socket-doctor-parsers.conf"))));
        read.put("vector.toml", vectorFields(read(root.resolve(LOGS).resolve("vector.toml"))));
        read.put("promtail.yaml", promtailFields(read(root.resolve(LOGS).resolve("promtail.yaml"))));
        // The extractors must find what each snippet plainly uses, or an empty set would pass.
        assertTrue(read.get("fluent-bit.conf").containsAll(Set.of("agent_version", "service", "event")), read::toString);
        assertEquals(Set.of("ts"), read.get("socket-doctor-parsers.conf"), read::toString);
        assertTrue(read.get("vector.toml").containsAll(Set.of("message", "agent_version", "ts", "level", "service")),
                read::toString);
        assertTrue(!read.get("vector.toml").contains("timestamp"), "assigned, not read: " + read);
        assertTrue(read.get("promtail.yaml").containsAll(Set.of("ts", "level", "event", "service")), read::toString);
        for (Map.Entry<String, Set<String>> snippet : read.entrySet()) {
            Set<String> unknown = new TreeSet<>(snippet.getValue());
            unknown.removeAll(written);
            assertEquals(Set.of(), unknown, snippet.getKey() + " reads fields the agent never writes (it writes "
                    + written + ")");
        }
        try (Stream<Path> files = Files.list(root.resolve(LOGS))) {
            assertEquals(read.keySet(), files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()),
                    "every snippet in " + LOGS + " is checked here");
        }
    }

    @Test
    void theExtractorsSeeAFieldThatDoesNotExist() {
        Set<String> written = writtenFields();
        assertTrue(!written.containsAll(vectorFields("source = '''\nif .errno_nme == \"x\" { abort }\n'''")));
        assertTrue(!written.containsAll(fluentBitFields("    Regex  lvl ^WARN$")));
        assertTrue(!written.containsAll(promtailFields("- json:\n    expressions:\n      errno: errno.name\n")));
    }

    @Test
    void docsLogsQuotesEachSnippetWordForWord() throws IOException {
        Path root = Repo.root();
        String page = read(root.resolve("docs/logs.md"));
        try (Stream<Path> files = Files.list(root.resolve(LOGS))) {
            for (Path file : files.sorted().collect(Collectors.toList())) {
                assertTrue(page.contains("\n" + read(file) + "```\n"), "docs/logs.md quotes " + file.getFileName()
                        + " as it is, in a fenced block");
            }
        }
    }

    /** {@code -javaagent:/path/socket-doctor-agent.jar=key=value,...}: the arguments after the jar. */
    private static final Pattern JAVAAGENT = Pattern.compile("-javaagent:[^\\s=`\"']+?\\.jar=([^\\s`\"']+)");
    /** {@code - name: SOCKETDOCTOR_LOG} followed by {@code value: json}, as in a pod spec. */
    private static final Pattern YAML_ENV = Pattern.compile(
            "-\\s+name:\\s*\"?(SOCKETDOCTOR_[A-Z_]+)\"?\\s*\\n\\s*value:\\s*(.*)");
    /** {@code SOCKETDOCTOR_LOG=json} in a shell line. */
    private static final Pattern SHELL_ENV = Pattern.compile("\\b(SOCKETDOCTOR_[A-Z_]+)=([^\\s`\"']+)");

    /** Every option of every example, by where it is written; the parser's complaint, if any. */
    static Map<String, String> optionProblems(Path root, List<String> found) throws IOException {
        Map<String, String> problems = new TreeMap<>();
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("SECURITY.md")));
        try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
            docs.filter(Files::isRegularFile).filter(f -> !f.toString().contains("/bench/")).sorted()
                    .forEach(pages::add);
        }
        for (Path page : pages) {
            String text = read(page);
            String where = root.relativize(page).toString();
            Matcher agent = JAVAAGENT.matcher(text);
            while (agent.find()) {
                found.add(where + ": " + agent.group(0));
                check(problems, where, agent.group(1), Map.of());
            }
            // The variables only in the examples and the pages about them: the README also names the demo's own.
            if (where.startsWith("docs/examples/") || where.equals("docs/logs.md") || where.equals("docs/kubernetes.md")) {
                for (Pattern env : List.of(YAML_ENV, SHELL_ENV)) {
                    Matcher variable = env.matcher(text);
                    while (variable.find()) {
                        String value = variable.group(2).strip().replaceAll("^\"(.*)\"$", "$1");
                        found.add(where + ": " + variable.group(1) + "=" + value);
                        check(problems, where, null, Map.of(variable.group(1), value));
                    }
                }
            }
        }
        return problems;
    }

    private static void check(Map<String, String> problems, String where, String arguments, Map<String, String> env) {
        try {
            Config.parse(arguments, new Properties(), env);
        } catch (ConfigException e) {
            problems.put(where + ": " + (arguments != null ? arguments : env), e.getMessage());
        }
    }

    @Test
    void everyOptionInTheExamplesIsOneTheAgentAccepts() throws IOException {
        List<String> found = new ArrayList<>();
        Map<String, String> problems = optionProblems(Repo.root(), found);
        assertEquals(Map.of(), problems, "options the agent would refuse (it would then stay off)");
        String all = String.join("\n", found);
        // The finders must find the examples' options, or an empty list would pass.
        assertTrue(all.contains("docs/examples/kubernetes/deployment.yaml: -javaagent:"), all);
        assertTrue(all.contains("docs/examples/kubernetes/deployment-env.yaml: SOCKETDOCTOR_LOG_TO=stdout"), all);
        assertTrue(all.contains("docs/kubernetes.md: SOCKETDOCTOR_SERVICE=checkout"), all);
        assertTrue(all.contains("docs/logs.md: -javaagent:"), all);
        assertTrue(found.size() >= 12, all);
    }

    @Test
    void aTypoInAnExampleIsCaught() {
        Map<String, String> problems = new TreeMap<>();
        check(problems, "x", "prometheus=0.0.0.0:9404,log.too=stdout", Map.of());
        check(problems, "y", null, Map.of("SOCKETDOCTOR_LOG", "jsn"));
        assertEquals(2, problems.size(), problems::toString);
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
