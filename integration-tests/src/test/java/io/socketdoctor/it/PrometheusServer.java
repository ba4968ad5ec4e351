package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's {@code prometheus} package) on loopback, scraping one target every
 * second, and {@code promtool}. Both binaries must be installed: CI's {@code .ci/run} installs them,
 * and a missing one fails the test with the command that installs it.
 */
final class PrometheusServer implements AutoCloseable {

    private static final String INSTALL = " is not installed: run 'apt-get install prometheus' (it brings prometheus"
            + " and promtool; .ci/run does this)";
    private static final Pattern SAMPLE = Pattern.compile("\\{\"metric\":\\{([^}]*)},\"value\":\\[[0-9.]+,\"([^\"]*)\"]}");
    private static final Pattern LABEL = Pattern.compile("\"([^\"]+)\":\"([^\"]*)\"");

    private final Process process;
    private final Path log;
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = "http://127.0.0.1:" + port;
    }

    /** A binary of Debian's prometheus package, or a failed test that says how to install it. */
    static Path binary(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail(name + INSTALL);
    }

    /**
     * Starts Prometheus on {@code 127.0.0.1:port} in a fresh {@code dir}, scraping {@code target}
     * ({@code host:port}) every second as job {@code socket-doctor}, with these rule files; waits
     * (at most 30 s) until it is ready.
     */
    static PrometheusServer start(Path dir, int port, String target, List<Path> ruleFiles) throws Exception {
        Path prometheus = binary("prometheus");
        deleteTree(dir);
        Files.createDirectories(dir);
        StringBuilder config = new StringBuilder()
                .append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n");
        if (!ruleFiles.isEmpty()) {
            config.append("rule_files:\n");
            for (Path rules : ruleFiles) {
                config.append("  - \"").append(rules.toAbsolutePath().normalize()).append("\"\n");
            }
        }
        config.append("scrape_configs:\n  - job_name: socket-doctor\n    static_configs:\n      - targets: [\"")
                .append(target).append("\"]\n");
        Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config.toString());
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(prometheus.toString(), "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, log, port);
        try {
            server.awaitReady();
            return server;
        } catch (Throwable t) {
            server.close();
            throw t;
        }
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("prometheus exited (" + process.exitValue() + "):\n" + log());
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("prometheus not ready after 30 s:\n" + log());
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code /api/v1/query}: the raw JSON answer (status "success" or an error). */
    String queryJson(String promql) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body();
    }

    /** The instant vector of a query: each sample's labels and value. */
    List<Sample> query(String promql) throws IOException, InterruptedException {
        String json = queryJson(promql);
        if (!json.contains("\"status\":\"success\"")) {
            fail("query " + promql + " failed: " + json);
        }
        List<Sample> samples = new ArrayList<>();
        Matcher m = SAMPLE.matcher(json);
        while (m.find()) {
            Map<String, String> labels = new LinkedHashMap<>();
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            samples.add(new Sample(labels, m.group(2)));
        }
        return samples;
    }

    /** Polls a query (every 500 ms, at most {@code seconds}) until it returns a sample. */
    List<Sample> awaitSamples(String promql, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            List<Sample> samples = query(promql);
            if (!samples.isEmpty() || System.nanoTime() > deadline) {
                return samples;
            }
            Thread.sleep(500);
        }
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        stop(process);
    }

    /** Ends a process this test started: politely, then forcibly, bounded in time. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** One sample of an instant vector. */
    record Sample(Map<String, String> labels, String value) {
    }

    /** What promtool printed and how it exited. */
    record Outcome(int exitCode, String output) {
    }

    /** Runs {@code promtool args...} with this standard input (bounded to 60 s). */
    static Outcome promtool(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(binary("promtool").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("promtool " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Outcome(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }
}
