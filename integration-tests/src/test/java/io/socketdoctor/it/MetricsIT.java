package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code prometheus=[host:]port} end to end, on JDK 17 and 25: a JVM with the agent makes real
 * loopback sockets fail; the test scrapes its {@code /metrics}, has {@code promtool check metrics}
 * lint it, starts a real Prometheus that scrapes it every second, and asks Prometheus's query API
 * for the counts. It also checks that the endpoint's own sockets are never diagnosed or counted,
 * and that a taken port costs one line and nothing else.
 */
class MetricsIT {

    private static final Path SCRIPTS = Paths.get("..", "scripts");
    private static final String RESET_SERIES =
            "socket_doctor_errors_total{api=\"socket\",cause=\"peer_reset_read\",errno=\"ECONNRESET\",op=\"read\"}";
    private static final String REFUSED_SERIES =
            "socket_doctor_errors_total{api=\"socket\",cause=\"refused\",errno=\"ECONNREFUSED\",op=\"connect\"}";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Each JDK with its home, which the child JVM that keeps running is started from. */
    static Stream<Arguments> jdks() {
        List<Jvm> jvms = Jvm.all();
        String[] homes = System.getProperty("it.jdks").split(",");
        List<Arguments> list = new ArrayList<>();
        for (int i = 0; i < jvms.size(); i++) {
            list.add(Arguments.of(jvms.get(i), Paths.get(homes[i].strip())));
        }
        return list.stream();
    }

    static Stream<Jvm> jvms() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void prometheusScrapesTheAgentsCounts(Jvm jvm, Path home) throws Exception {
        Path dir = Jvm.workDir("metrics-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        int port = freePort();
        try (Target target = Target.start(home, dir, "prometheus=127.0.0.1:" + port + ",events=" + events, 3, 2)) {
            String text = awaitScrape(port, List.of(RESET_SERIES + " 3.0", REFUSED_SERIES + " 2.0"), target);
            assertTrue(text.contains("socket_doctor_hooks_missing 0.0\n"), text);
            assertTrue(text.contains("socket_doctor_connections_opened_total{api=\"server_socket\",direction=\"server\"} 3.0\n"),
                    "the target accepted three connections\n" + text);
            assertTrue(sample(text, "socket_doctor_tcp_sockets{state=\"LISTEN\"}") >= 1,
                    "the census sees at least the endpoint's own listener\n" + text);

            PrometheusServer.Outcome lint = PrometheusServer.promtool(text, "check", "metrics");
            assertEquals(0, lint.exitCode(), lint.output());
            assertEquals("", lint.output().strip(), "promtool check metrics finds no problem");

            HttpResponse<String> om = scrape(port, "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
            assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8",
                    om.headers().firstValue("Content-Type").orElse(""), om.body());
            assertTrue(om.body().contains("# TYPE socket_doctor_errors counter\n") && om.body().endsWith("# EOF\n"), om.body());

            abuseTheEndpoint(port);

            Path prometheusDir = Paths.get(System.getProperty("it.workDir", "target/it-work"))
                    .resolve("prometheus-jdk" + jvm.feature());
            try (PrometheusServer prometheus = PrometheusServer.start(prometheusDir, freePort(), "127.0.0.1:" + port,
                    List.of(SCRIPTS.resolve("prometheus-alerts.yml")))) {
                List<PrometheusServer.Sample> resets = prometheus.awaitSamples(
                        "socket_doctor_errors_total{errno=\"ECONNRESET\"}", 30);
                assertEquals(1, resets.size(), "one series\n" + resets + "\n" + prometheus.log());
                assertEquals("3", resets.get(0).value(), resets.toString());
                Map<String, String> labels = resets.get(0).labels();
                assertEquals("socket-doctor", labels.get("job"), labels.toString());
                assertEquals("127.0.0.1:" + port, labels.get("instance"), labels.toString());
                assertEquals("read", labels.get("op"), labels.toString());
                assertEquals("socket", labels.get("api"), labels.toString());
                assertEquals("peer_reset_read", labels.get("cause"), labels.toString());

                assertEquals("2", prometheus.query("sum(socket_doctor_errors_total{errno=\"ECONNREFUSED\"})").get(0).value());
                List<PrometheusServer.Sample> listen = prometheus.query("socket_doctor_tcp_sockets{state=\"LISTEN\"}");
                assertEquals(1, listen.size(), listen.toString());
                assertTrue(Double.parseDouble(listen.get(0).value()) >= 1, listen.toString());
                assertEquals(11, prometheus.query("socket_doctor_tcp_sockets").size(),
                        "one census series per kernel state a socket with a descriptor can be in");
                assertEquals("1", prometheus.query("up{job=\"socket-doctor\"}").get(0).value());

                everyDashboardQueryIsValidPromql(prometheus);
                everyAlertRuleEvaluates(prometheus);

                // The endpoint's sockets: Prometheus scraped it every second; none of that may show.
                assertEquals("0", prometheus.query("sum(socket_doctor_connections_opened_total{api=\"server_channel\"})")
                        .get(0).value(), "the endpoint's accepted connections are not the application's");
                assertEquals(List.of(), prometheus.query("socket_doctor_errors_total{op=\"accept\"}"));
            }
            String last = scrapeText(port);
            assertTrue(last.contains(RESET_SERIES + " 3.0\n") && last.contains(REFUSED_SERIES + " 2.0\n"),
                    "scrapes and abuse added no error of their own\n" + last);
        }
        List<Map<String, Object>> all = Events.read(events).all();
        List<Map<String, Object>> errors = all.stream().filter(e -> "socket_error".equals(e.get("event")))
                .collect(Collectors.toList());
        assertEquals(5, errors.size(), "three resets and two refused connects, nothing from the endpoint: " + errors);
        for (Map<String, Object> e : all) {
            String thread = String.valueOf(e.get("thread"));
            assertFalse(thread.startsWith("socket-doctor") || thread.startsWith("HTTP-Dispatcher"), e.toString());
            assertFalse(String.valueOf(e.get("local")).endsWith(":" + port), e.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jvms")
    void aTakenPortIsOneLineAndDiagnosesGoOn(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("metrics-taken-jdk" + jvm.feature()).resolve("events.jsonl");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Jvm.Result result = jvm.run(List.of(Jvm.agent("prometheus=" + port + ",events=" + events),
                    "-cp", Jvm.testClasspath(), Target.Main.class.getName(), "1", "0", "exit"));
            assertEquals(0, result.exitCode(), result::describe);
            assertEquals("reset=1 refused=0\n", result.stdout(), result::describe);
            List<String> notices = result.stderrLines().stream().filter(l -> l.startsWith("socket-doctor:"))
                    .collect(Collectors.toList());
            assertEquals(1, notices.size(), result::describe);
            assertTrue(notices.get(0).matches("socket-doctor: cannot serve metrics on 127\\.0\\.0\\.1:" + port
                    + " \\(java\\.net\\.BindException: Address already in use.*\\); metrics are off, diagnostics go on\\."),
                    result::describe);
            assertTrue(result.stderr().contains("[socket-doctor] ECONNRESET (errno 104, peer_reset_read) on read socket"),
                    "the failure is still diagnosed\n" + result.describe());
            List<Map<String, Object>> errors = Events.read(events).where(e -> "socket_error".equals(e.get("event")));
            assertEquals(1, errors.size(), "the reset, and not the endpoint's failed bind: " + errors);
            assertEquals("ECONNRESET", errors.get(0).get("errno"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jvms")
    void theDemosServeModeFailsSteadilyAtABoundedRate(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("metrics-serve-jdk" + jvm.feature()).resolve("events.jsonl");
        Jvm.Result serve = jvm.run(List.of(Jvm.agent("log=off,events=" + events), "-jar", Jvm.demoJar().toString(),
                "serve", "3"));
        assertEquals(0, serve.exitCode(), serve::describe);
        List<String> lines = serve.stdoutLines();
        assertTrue(lines.get(0).startsWith("[demo] serve: about 2 real loopback failures per second (reset-during-read,"),
                serve::describe);
        Matcher done = Pattern.compile("\\[demo] serve: done, (\\d+) failures").matcher(lines.get(lines.size() - 1));
        assertTrue(done.matches(), serve::describe);
        int failures = Integer.parseInt(done.group(1));
        assertTrue(failures >= 3 && failures <= 8, "one scenario per 400 ms at most, in 3 s: " + failures);
        List<Map<String, Object>> diagnosed = Events.read(events).where(e -> "socket_error".equals(e.get("event")));
        assertTrue(diagnosed.size() >= 3, diagnosed + "\n" + serve.describe());
        assertTrue(diagnosed.stream().map(e -> String.valueOf(e.get("errno"))).distinct().count() >= 3,
                "a mix of errnos: " + diagnosed);
    }

    /**
     * The alert rules fire on the series they are meant for, and only then: their
     * {@code promtool test rules} cases in {@code scripts/prometheus-alerts.test.yml}, one firing and
     * one quiet per alert (AlertRulesTest checks that each alert has both).
     */
    @Test
    void theAlertRulesFireWhenTheyShould() throws Exception {
        Path tests = SCRIPTS.resolve("prometheus-alerts.test.yml").toAbsolutePath();
        PrometheusServer.Outcome outcome = PrometheusServer.promtool("", "test", "rules", tests.toString());
        assertEquals(0, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("SUCCESS"), outcome.output());
    }

    /**
     * {@code metrics.tags} on a real scrape: every series carries the tags, build info included,
     * and the exposition still passes {@code promtool check metrics}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void metricsTagsAreOnEverySeriesWithTheBuildInfo(Jvm jvm, Path home) throws Exception {
        Path dir = Jvm.workDir("metrics-tags-jdk" + jvm.feature());
        int port = freePort();
        try (Target target = Target.start(home, dir, "prometheus=127.0.0.1:" + port
                + ",metrics.tags=application:checkout,env:prod,log=off", 1, 0)) {
            String reset = "socket_doctor_errors_total{api=\"socket\",application=\"checkout\",cause=\"peer_reset_read\","
                    + "env=\"prod\",errno=\"ECONNRESET\",op=\"read\"} 1.0";
            String text = awaitScrape(port, List.of(reset), target);
            Matcher info = Pattern.compile("^socket_doctor_build_info\\{application=\"checkout\",env=\"prod\","
                    + "jdk=\"" + jvm.feature() + "\",version=\"(\\d+\\.\\d+\\.\\d+[^\"]*)\"} 1$", Pattern.MULTILINE)
                    .matcher(text);
            assertTrue(info.find(), "build info with the jar's version and the JDK's feature release\n" + text);
            List<String> samples = text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.toList());
            assertTrue(samples.size() > 20, text);
            for (String sample : samples) {
                assertTrue(sample.startsWith("socket_doctor_") && sample.contains("application=\"checkout\"")
                        && sample.contains("env=\"prod\""), "one prefix and the common tags on every series: " + sample);
            }
            assertTrue(text.contains("socket_doctor_events_dropped_total{application=\"checkout\",env=\"prod\",sink=\"queue\"} 0.0\n"),
                    text);
            PrometheusServer.Outcome lint = PrometheusServer.promtool(text, "check", "metrics");
            assertEquals(0, lint.exitCode(), lint.output());
            assertEquals("", lint.output().strip(), "promtool check metrics finds no problem");
        }
    }

    /** Connections that reset mid-request or before reading the answer: the endpoint's own failures. */
    private static void abuseTheEndpoint(int port) throws IOException, InterruptedException {
        InetSocketAddress endpoint = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
        for (String request : new String[] {"GET /metr", "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", ""}) {
            try (Socket socket = new Socket()) {
                socket.connect(endpoint, 2000);
                socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                socket.setSoLinger(true, 0); // close() sends RST
            }
        }
        try (Socket slow = new Socket()) { // a request that never ends, closed normally
            slow.connect(endpoint, 2000);
            slow.getOutputStream().write("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(300);
        }
        Thread.sleep(500);
    }

    private void everyDashboardQueryIsValidPromql(PrometheusServer prometheus) throws Exception {
        String json = Files.readString(SCRIPTS.resolve("grafana-dashboard.json"));
        Matcher m = Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        int queries = 0;
        while (m.find()) {
            String expr = m.group(1).replace("\\\"", "\"").replace("\\\\", "\\")
                    .replace("$__rate_interval", "1m").replace("$__range", "5m")
                    .replace("$job", ".*").replace("$instance", ".*");
            String answer = prometheus.queryJson(expr);
            assertTrue(answer.contains("\"status\":\"success\""), expr + " -> " + answer);
            queries++;
        }
        assertTrue(queries >= 10, "the dashboard's queries were found: " + queries);
        // The first panel's query, once two scrapes make an increase: the resets are there, by errno.
        List<PrometheusServer.Sample> byErrno = prometheus.awaitSamples(
                "sum by (errno) (increase(socket_doctor_errors_total{job=~\".*\"}[5m]))", 10);
        assertTrue(byErrno.stream().anyMatch(s -> "ECONNRESET".equals(s.labels().get("errno"))), byErrno.toString());
    }

    private static void everyAlertRuleEvaluates(PrometheusServer prometheus) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String rules;
        do {
            Thread.sleep(500);
            rules = prometheus.get("/api/v1/rules").body();
        } while ((rules.contains("\"health\":\"unknown\"") || !rules.contains("\"health\"")) && System.nanoTime() < deadline);
        assertFalse(rules.contains("\"health\":\"err\"") || rules.contains("\"health\":\"unknown\""), rules);
        assertEquals(8, count(rules, "\"type\":\"alerting\""), rules);
        assertFalse(rules.contains("\"state\":\"firing\""), "a healthy target fires no alert\n" + rules);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    /** Scrapes until the exposition holds these lines (the writer thread counts events asynchronously), at most 20 s. */
    private String awaitScrape(int port, List<String> lines, Target target) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String text = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = scrape(port, null); // 503 while the meters are being built
                String scraped = response.body();
                text = scraped;
                if (response.statusCode() == 200 && lines.stream().allMatch(line -> scraped.contains(line + "\n"))) {
                    return scrapeText(port);
                }
            } catch (IOException notYet) {
                text = notYet.toString();
            }
            Thread.sleep(200);
        }
        return fail("no " + lines + " in 20 s; last scrape:\n" + text + "\n" + target.describe());
    }

    private String scrapeText(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = scrape(port, null);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
                response.headers().firstValue("Content-Type").orElse(""));
        return response.body();
    }

    private HttpResponse<String> scrape(int port, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double sample(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return fail("no " + series + " in\n" + exposition);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** A child JVM with the agent that fails on purpose, then keeps running until the test closes its stdin. */
    static final class Target implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final Path err;

        private Target(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        static Target start(Path home, Path dir, String agentOptions, int resets, int refused) throws Exception {
            Path out = dir.resolve("target.out");
            Path err = dir.resolve("target.err");
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/java").toString(), Jvm.agent(agentOptions),
                    "-cp", Jvm.testClasspath(), Main.class.getName(), Integer.toString(resets),
                    Integer.toString(refused), "hold");
            builder.environment().keySet().removeIf(k -> k.startsWith("SOCKETDOCTOR_") || k.equals("JAVA_TOOL_OPTIONS")
                    || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
            Target target = new Target(builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(out).contains("reset=" + resets + " refused=" + refused + "\n")) {
                if (!target.process.isAlive() || System.nanoTime() > deadline) {
                    target.close();
                    fail("the target did not get ready\n" + target.describe());
                }
                Thread.sleep(100);
            }
            return target;
        }

        String describe() {
            try {
                return "target stdout:\n" + Files.readString(out) + "\ntarget stderr:\n" + Files.readString(err);
            } catch (IOException e) {
                return e.toString();
            }
        }

        @Override
        public void close() throws IOException {
            process.getOutputStream().close(); // the target's stdin ends: it exits
            try {
                if (process.waitFor(10, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            PrometheusServer.stop(process);
        }

        /**
         * {@code Main RESETS REFUSED hold|exit}: RESETS reads that meet a peer's RST and REFUSED
         * connects to a closed port, on 127.0.0.1; prints one line; then, with {@code hold}, runs
         * until its stdin ends (at most 120 s).
         */
        public static final class Main {
            public static void main(String[] args) throws Exception {
                InetAddress loopback = InetAddress.getByName("127.0.0.1");
                int resets = Integer.parseInt(args[0]);
                int refused = Integer.parseInt(args[1]);
                int reset = 0;
                for (int i = 0; i < resets; i++) {
                    try (ServerSocket server = new ServerSocket(0, 1, loopback); Socket client = new Socket()) {
                        client.connect(server.getLocalSocketAddress(), 2000);
                        try (Socket accepted = server.accept()) {
                            accepted.setSoLinger(true, 0); // its close sends RST
                        }
                        Thread.sleep(50);
                        client.setSoTimeout(2000);
                        try {
                            client.getInputStream().read();
                        } catch (SocketException expected) {
                            reset++;
                        }
                    }
                }
                int refusedCount = 0;
                for (int i = 0; i < refused; i++) {
                    int closed;
                    try (ServerSocket s = new ServerSocket(0, 1, loopback)) {
                        closed = s.getLocalPort();
                    }
                    try (Socket client = new Socket()) {
                        client.connect(new InetSocketAddress(loopback, closed), 2000);
                    } catch (IOException expected) {
                        refusedCount++;
                    }
                }
                System.out.println("reset=" + reset + " refused=" + refusedCount);
                System.out.flush();
                if (args[2].equals("hold")) {
                    CountDownLatch stdinClosed = new CountDownLatch(1);
                    Thread reader = new Thread(() -> {
                        try (InputStream in = System.in) {
                            while (in.read() >= 0) {
                                // wait for the end of stdin
                            }
                        } catch (IOException ignored) {
                            // the pipe broke: the test is gone
                        }
                        stdinClosed.countDown();
                    }, "stdin");
                    reader.setDaemon(true);
                    reader.start();
                    stdinClosed.await(120, TimeUnit.SECONDS);
                }
            }
        }
    }
}
