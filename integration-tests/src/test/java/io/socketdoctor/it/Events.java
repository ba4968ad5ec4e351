package io.socketdoctor.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** The agent's JSON-lines event file, read back with a small parser for its flat objects. */
public final class Events {

    private final List<Map<String, Object>> events;

    private Events(List<Map<String, Object>> events) {
        this.events = events;
    }

    public static Events read(Path file) throws IOException {
        List<Map<String, Object>> events = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    events.add(parse(line));
                }
            }
        }
        return new Events(events);
    }

    public List<Map<String, Object>> all() {
        return events;
    }

    public List<Map<String, Object>> where(Predicate<Map<String, Object>> filter) {
        return events.stream().filter(filter).collect(Collectors.toList());
    }

    /** Events whose call site is the method {@code method}, or a lambda written inside it. */
    public List<Map<String, Object>> atSite(String method) {
        return where(e -> e.get("site") instanceof String
                && siteMethod((String) e.get("site")).matches("(lambda\\$)?" + method + "(\\$\\d+)?"));
    }

    private static String siteMethod(String site) {
        String beforeParen = site.substring(0, site.indexOf('(') < 0 ? site.length() : site.indexOf('('));
        return beforeParen.substring(beforeParen.lastIndexOf('.') + 1);
    }

    /** Parses one flat JSON object of strings, numbers, booleans and nulls. */
    static Map<String, Object> parse(String json) {
        Parser p = new Parser(json.strip());
        return p.object();
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            expect('{');
            if (peek() == '}') {
                i++;
                return map;
            }
            do {
                String key = string();
                expect(':');
                map.put(key, value());
            } while (consume(','));
            expect('}');
            if (i != s.length()) {
                throw new IllegalArgumentException("trailing text in " + s);
            }
            return map;
        }

        Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            int start = i;
            while (i < s.length() && "-+.eE0123456789".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("bad value at " + i + " in " + s);
            }
            return Long.parseLong(s.substring(start, i));
        }

        String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return out.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> out.append('\n');
                        case 'r' -> out.append('\r');
                        case 't' -> out.append('\t');
                        case 'u' -> {
                            out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> out.append(e);
                    }
                } else {
                    out.append(c);
                }
            }
        }

        char peek() {
            return s.charAt(i);
        }

        boolean consume(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        void expect(char c) {
            if (!consume(c)) {
                throw new IllegalArgumentException("expected '" + c + "' at " + i + " in " + s);
            }
        }
    }
}
