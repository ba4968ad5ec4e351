package io.socketdoctor.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md, SECURITY.md and docs/ leads somewhere. The documentation
 * names source files by path (the code map, the hook points), and code moves: a renamed class
 * must fail the build here, not leave a reader at a 404. Links to a heading ({@code #anchor},
 * alone or after a .md file) must name a heading of that file, by GitHub's rules for anchors.
 * Web links (http, https, mailto) are not fetched: the build runs offline.
 */
class DocLinksTest {

    /** {@code [text](target)} and {@code ![alt](target)}; the target ends at whitespace or ')'. */
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");

    @Test
    void everyRelativeLinkResolves() throws IOException {
        Path root = Repo.root();
        List<Path> pages = pages(root);
        assertTrue(pages.size() >= 3, "expected README.md, SECURITY.md and docs/*.md, found " + pages);
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            for (String target : links(read(page))) {
                if (target.matches("(?i)^(https?|mailto):.*")) {
                    continue;
                }
                checked++;
                String problem = check(root, page, target);
                if (problem != null) {
                    broken.add(root.relativize(page) + ": (" + target + ") " + problem);
                }
            }
        }
        assertTrue(checked > 50, "found only " + checked + " relative links: is the link pattern still right?");
        assertEquals("", String.join("\n", broken), broken.size() + " broken links");
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertEquals(List.of("start-up-what-runs-before-main", "nettys-native-transports",
                        "what-it-recognises", "what-it-recognises-1", "tls"),
                anchors(List.of("## Start-up: what runs before `main`", "### Netty's native transports",
                        "## What it recognises", "## What it recognises", "```", "## not a heading: in code", "```",
                        "### TLS")));
    }

    @Test
    void linksInCodeAreNotLinks() {
        assertEquals(List.of("real.md"), links(List.of("`[host:]port`(not) and [a](real.md)", "```",
                "[b](in-a-fence.md)", "```", "``[c](in-code.md)``")));
    }

    private static String check(Path root, Path page, String target) throws IOException {
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!resolved.startsWith(root)) {
            return "leaves the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file: " + root.relativize(resolved);
        }
        if (anchor != null && resolved.toString().endsWith(".md")) {
            Set<String> known = new HashSet<>(anchors(read(resolved)));
            if (!known.contains(anchor)) {
                return "no heading with anchor #" + anchor + " in " + root.relativize(resolved);
            }
        }
        return null;
    }

    private static List<Path> pages(Path root) throws IOException {
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("SECURITY.md")));
        try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
            pages.addAll(docs.filter(p -> p.toString().endsWith(".md")).sorted().collect(Collectors.toList()));
        }
        return pages;
    }

    private static List<String> read(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /** The targets of the links outside fenced blocks and code spans, in order. */
    static List<String> links(List<String> lines) {
        List<String> targets = new ArrayList<>();
        boolean fenced = false;
        for (String line : lines) {
            if (FENCE.matcher(line).find()) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher m = LINK.matcher(withoutCodeSpans(line));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("<") && target.endsWith(">")) {
                    target = target.substring(1, target.length() - 1);
                }
                targets.add(target);
            }
        }
        return targets;
    }

    /**
     * Code spans hold text such as {@code [host:]port}; a span is cut, not its backticks alone,
     * so that {@code [`Foo`](Foo.java)} keeps its link: only what lies between backticks goes.
     */
    private static String withoutCodeSpans(String line) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < line.length()) {
            if (line.charAt(i) != '`') {
                out.append(line.charAt(i++));
                continue;
            }
            int run = 0;
            while (i + run < line.length() && line.charAt(i + run) == '`') {
                run++;
            }
            String ticks = line.substring(i, i + run);
            int close = line.indexOf(ticks, i + run);
            if (close < 0) {
                out.append(ticks);
                i += run;
                continue;
            }
            out.append("code");
            i = close + run;
        }
        return out.toString();
    }

    /**
     * The anchors GitHub gives a page's headings: the heading's text without its markup,
     * lower-cased, every character that is not a letter, digit, space, '-' or '_' dropped,
     * spaces turned into '-'; a repeated anchor gets -1, -2, ... appended.
     */
    static List<String> anchors(List<String> lines) {
        List<String> anchors = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : lines) {
            if (FENCE.matcher(line).find()) {
                fenced = !fenced;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (fenced || !m.matches()) {
                continue;
            }
            String text = m.group(2)
                    .replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // a link's text stays
                    .replace("`", "").replace("*", "");
            StringBuilder slug = new StringBuilder();
            for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
                if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                    slug.append(c);
                } else if (c == ' ') {
                    slug.append('-');
                }
            }
            String base = slug.toString();
            int n = seen.merge(base, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? base : base + "-" + n);
        }
        return anchors;
    }
}
