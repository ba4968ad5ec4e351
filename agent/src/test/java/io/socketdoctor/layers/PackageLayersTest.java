package io.socketdoctor.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent's packages form layers that only point down, read from the compiled classes by the
 * JDK's own {@code jdeps}: a package circle, or a dependency on a higher layer, fails the build.
 * A new package must be given its place in {@link #LAYERS}.
 */
class PackageLayersTest {

    /**
     * Bottom first. Each may use only those before it: options and data at the bottom, then what the
     * bridge in {@code java.base} calls, the tracking and the diagnosis, the installer that writes the
     * hooks, the exporters, the command line, and the agent's entry point, which puts it all together.
     */
    static final List<String> LAYERS = List.of("config", "bootstrap", "classify", "hook", "event", "track",
            "runtime", "install", "export", "otlp", "cli", "agent");

    private static final Pattern EDGE = Pattern.compile(
            "^\\s+io\\.socketdoctor\\.(\\w+)(?:\\.[\\w.]+)?\\s+->\\s+io\\.socketdoctor\\.(\\w+)(?:\\.[\\w.]+)?\\s",
            Pattern.MULTILINE);

    @Test
    void everyDependencyPointsDown() throws Exception {
        Map<String, Set<String>> graph = packageGraph();
        assertTrue(graph.keySet().containsAll(List.of("agent", "runtime", "install", "track")),
                "jdeps must see the agent's packages at all: " + graph);
        List<String> upward = new ArrayList<>();
        graph.forEach((from, tos) -> {
            assertTrue(LAYERS.contains(from), "package io.socketdoctor." + from + " has no place in LAYERS");
            for (String to : tos) {
                assertTrue(LAYERS.contains(to), "package io.socketdoctor." + to + " has no place in LAYERS");
                if (LAYERS.indexOf(to) >= LAYERS.indexOf(from)) {
                    upward.add(from + " -> " + to);
                }
            }
        });
        assertEquals(List.of(), circles(graph), "package circles");
        assertEquals(List.of(), upward, "dependencies that point up (layers, bottom first: " + LAYERS + ")");
    }

    /** The dependencies between the agent's top-level packages ({@code io.socketdoctor.X}), self-edges left out. */
    static Map<String, Set<String>> packageGraph() {
        Path classes = Path.of("target", "classes");
        assertTrue(Files.isDirectory(classes.resolve("io/socketdoctor")), "compiled classes at " + classes.toAbsolutePath());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none",
                "--multi-release", "17", classes.toString());
        assertEquals(0, status, err.toString());
        Map<String, Set<String>> graph = new TreeMap<>();
        Matcher m = EDGE.matcher(out.toString());
        while (m.find()) {
            if (!m.group(1).equals(m.group(2))) {
                graph.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        return graph;
    }

    /** Every circle, once each, as {@code a -> b -> a}; empty when the graph has none. */
    static List<String> circles(Map<String, Set<String>> graph) {
        Set<String> found = new TreeSet<>();
        for (String start : graph.keySet()) {
            walk(graph, start, new ArrayList<>(List.of(start)), found);
        }
        return new ArrayList<>(found);
    }

    private static void walk(Map<String, Set<String>> graph, String start, List<String> path, Set<String> found) {
        for (String next : graph.getOrDefault(path.get(path.size() - 1), Set.of())) {
            if (next.equals(start)) {
                if (start.equals(path.stream().min(String::compareTo).orElseThrow())) { // each circle once
                    found.add(String.join(" -> ", path) + " -> " + start);
                }
            } else if (!path.contains(next) && path.size() < LAYERS.size()) {
                path.add(next);
                walk(graph, start, path, found);
                path.remove(path.size() - 1);
            }
        }
    }
}
