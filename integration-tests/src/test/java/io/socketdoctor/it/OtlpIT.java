package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.socketdoctor.it.probe.OtlpProbe;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code otlp=URL} end to end, on JDK 17 and 25: a JVM with the agent makes real loopback sockets
 * fail, and a stand-in collector ({@link OtlpReceiver}) decodes what arrives with the official
 * OTLP classes: the log records with their attributes, the resource, the metrics with their tags.
 * Then a collector that is down, answers 503, or takes 5 s per request: the application's output
 * and exit are unchanged, the queue stays bounded, and every event not delivered is counted.
 */
class OtlpIT {

    private static final String ERRORS = "socket.doctor.errors";
    private static final String DROPPED = "socket.doctor.events.dropped";

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    private static List<String> probe(String options, Path events, int resets, int refused, long lingerMillis) {
        List<String> args = new ArrayList<>();
        args.add(Jvm.agent(options + (events == null ? "" : ",events=" + events)));
        args.addAll(List.of("-cp", Jvm.testClasspath(), OtlpProbe.class.getName(), Integer.toString(resets),
                Integer.toString(refused), Long.toString(lingerMillis)));
        return args;
    }

    /** The probe's own timing of its failing calls: the collector must not be what they wait on. */
    private static void assertFailuresTookUnder(long millis, Jvm.Result run) {
        long failing = run.stdoutLines().stream().filter(l -> l.startsWith("failing_ms="))
                .mapToLong(l -> Long.parseLong(l.substring("failing_ms=".length()))).findFirst()
                .orElseThrow(() -> new AssertionError(run.describe()));
        assertTrue(failing < millis, "the application's failures took " + failing + " ms");
    }

    private static long pid(Jvm.Result run) {
        return run.stdoutLines().stream().filter(l -> l.startsWith("pid=")).mapToLong(l -> Long.parseLong(l.substring(4)))
                .findFirst().orElseThrow(() -> new AssertionError(run.describe()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void logRecordsResourceAndMetricsReachTheCollector(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("otlp-" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        try (OtlpReceiver collector = new OtlpReceiver()) {
            Jvm.Result run = jvm.run(probe("otlp=" + collector.url() + ",otlp.interval=1s,service=checkout,"
                    + "metrics.tags=env:test", events, 2, 1, 2500));
            assertEquals(0, run.exitCode(), run::describe);
            assertTrue(run.stdout().contains("failures=3"), run::describe);
            assertEquals(List.of(), collector.problems, "requests that are not OTLP/HTTP protobuf");

            // Every event of the JSON file, and nothing else, arrived as one log record.
            List<Map<String, Object>> json = Events.read(events).all();
            List<OtlpReceiver.Received> records = collector.records();
            assertEquals(json.size(), records.size(), () -> "records " + records + "\nevents " + json + run.describe());
            assertTrue(json.size() >= 3, run::describe);

            OtlpReceiver.Received reset = records.stream()
                    .filter(r -> "ECONNRESET".equals(r.attributes().get("error.type"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no ECONNRESET record in " + records));
            Map<String, Object> resetJson = json.stream().filter(e -> "ECONNRESET".equals(e.get("errno"))).findFirst()
                    .orElseThrow();
            assertEquals(SeverityNumber.SEVERITY_NUMBER_WARN, reset.record().getSeverityNumber());
            assertEquals("WARN", reset.record().getSeverityText());
            assertEquals(resetJson.get("diagnosis"), reset.record().getBody().getStringValue());
            assertEquals("socket_doctor.socket_error", reset.record().getEventName());
            Map<String, Object> a = reset.attributes();
            assertEquals("java.net.SocketException", a.get("exception.type"));
            assertEquals("Connection reset", a.get("exception.message"));
            assertEquals("127.0.0.1", a.get("network.peer.address"));
            assertEquals(port(resetJson.get("remote")), a.get("network.peer.port"));
            assertEquals("127.0.0.1", a.get("network.local.address"));
            assertEquals(port(resetJson.get("local")), a.get("network.local.port"));
            assertEquals("tcp", a.get("network.transport"));
            assertEquals("main", a.get("thread.name"));
            assertEquals(OtlpProbe.class.getName() + ".main", a.get("code.function.name"));
            assertEquals("OtlpProbe.java", a.get("code.file.path"));
            assertTrue(a.get("code.line.number") instanceof Long line && line > 0, a::toString);
            assertEquals("peer_reset_read", a.get("socket_doctor.cause"));
            assertEquals("read", a.get("socket_doctor.op"));
            assertEquals("socket", a.get("socket_doctor.api"));
            assertEquals(104L, a.get("socket_doctor.errno_code"));
            assertEquals(resetJson.get("tcp_state"), a.get("socket_doctor.tcp_state"));
            assertEquals(resetJson.get("history"), a.get("socket_doctor.history"));
            assertEquals(java.time.Instant.parse((String) resetJson.get("ts")).toEpochMilli(),
                    reset.record().getTimeUnixNano() / 1_000_000);

            OtlpReceiver.Received refused = records.stream()
                    .filter(r -> "ECONNREFUSED".equals(r.attributes().get("error.type"))).findFirst().orElseThrow();
            assertEquals("connect", refused.attributes().get("socket_doctor.op"));
            assertEquals("java.net.ConnectException", refused.attributes().get("exception.type"));

            long pid = pid(run);
            for (OtlpReceiver.Received r : records) {
                assertEquals("io.socketdoctor", r.scope());
                Map<String, Object> resource = r.resource();
                assertEquals("checkout", resource.get("service.name"));
                assertEquals(Long.toString(pid), resource.get("process.pid"));
                assertEquals(hostName(), resource.get("host.name"));
                assertTrue(((String) resource.get("process.runtime.version")).startsWith(jvm.feature() + ""),
                        resource::toString);
                assertFalse(((String) resource.get("service.instance.id")).isBlank());
            }

            // The metrics: the same counters as /metrics, with the common tags, on the same resource;
            // at least one interval during the run and one more at exit.
            assertTrue(collector.metricRequests.get() >= 2, "metric exports: " + collector.metricRequests);
            List<OtlpReceiver.Point> resets = collector.points(ERRORS).stream()
                    .filter(p -> "ECONNRESET".equals(p.attributes().get("errno"))).toList();
            assertFalse(resets.isEmpty(), () -> "no " + ERRORS + " points: " + collector.metrics);
            OtlpReceiver.Point last = resets.get(resets.size() - 1);
            assertEquals(2.0, last.value());
            assertTrue(last.monotonic());
            assertEquals("peer_reset_read", last.attributes().get("cause"));
            assertEquals("test", last.attributes().get("env"));
            // One process, one resource: the metrics' is the records' (but for Micrometer's telemetry.sdk.*).
            Map<String, Object> metricResource = new java.util.LinkedHashMap<>(last.resource());
            metricResource.keySet().removeIf(k -> k.startsWith("telemetry.sdk."));
            assertEquals(records.get(0).resource(), metricResource);
            List<OtlpReceiver.Point> dropped = collector.points(DROPPED).stream()
                    .filter(p -> "otlp".equals(p.attributes().get("sink"))).toList();
            assertEquals(0.0, dropped.get(dropped.size() - 1).value());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void theOpenTelemetryEnvironmentIsTakenOnlyWhenAskedFor(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("otlp-env-" + jvm.feature());
        Path classes = dir.resolve("classes.log");
        try (OtlpReceiver collector = new OtlpReceiver()) {
            Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url(),
                    // The signal-specific variables are the OpenTelemetry SDK's (and Micrometer's
                    // default): never taken, even with otlp=env, which names the base URL only.
                    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://127.0.0.1:9/v1/metrics",
                    "OTEL_SERVICE_NAME", "billing",
                    "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging,k8s.pod.name=pod%2D1");

            // A service that runs the OpenTelemetry agent has these set: without otlp, nothing is sent,
            // and no class of the OTLP path is even loaded.
            List<String> quiet = new ArrayList<>(List.of("-Xverify:remote", "-Xlog:class+load=info:file=" + classes));
            quiet.addAll(probe("log=stderr", null, 1, 1, 1200));
            Jvm.Result without = jvm.runWith(env, quiet);
            assertEquals(0, without.exitCode(), without::describe);
            assertTrue(without.stderr().contains("ECONNRESET"), without::describe);
            assertEquals(0, collector.logRequests.get() + collector.metricRequests.get());
            List<String> otlpClasses = Files.readAllLines(classes).stream()
                    .filter(l -> l.contains("io.socketdoctor.otlp.") || l.contains("shaded.io.opentelemetry")
                            || l.contains("shaded.com.google.protobuf") || l.contains("registry.otlp"))
                    .toList();
            assertEquals(List.of(), otlpClasses, "classes of the OTLP path loaded without otlp");
            assertTrue(Files.readString(classes).contains("io.socketdoctor.agent.Session "),
                    "the class log must see the agent at all");

            Jvm.Result with = jvm.runWith(env, probe("otlp=env", null, 1, 1, 0));
            assertEquals(0, with.exitCode(), with::describe);
            List<OtlpReceiver.Received> records = collector.records();
            assertEquals(2, records.size(), () -> records + with.describe());
            Map<String, Object> resource = records.get(0).resource();
            assertEquals("billing", resource.get("service.name"));
            assertEquals("staging", resource.get("deployment.environment.name"));
            assertEquals("pod-1", resource.get("k8s.pod.name"));
            assertTrue(collector.metricRequests.get() >= 1, "the metrics went to the base URL too");
            assertTrue(with.stderrLines().stream().noneMatch(l -> l.contains("OTLP collector")), with::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aCollectorThatIsDownCostsTheApplicationNothing(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("otlp-down-" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            port = closed.getLocalPort();
        }
        long start = System.nanoTime();
        Jvm.Result run = jvm.run(probe("otlp=http://127.0.0.1:" + port + ",otlp.interval=1s", events, 1, 300, 1500));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, run.exitCode(), run::describe);
        assertTrue(run.stdout().contains("failures=301") && run.stdout().contains("done"), run::describe);
        // One line for each signal, however many retries.
        List<String> otlpLines = run.stderrLines().stream().filter(l -> l.contains("OTLP collector")).toList();
        assertEquals(2, otlpLines.size(), run::describe);
        assertTrue(otlpLines.stream().anyMatch(l -> l.contains("cannot send log records")), run::describe);
        assertTrue(otlpLines.stream().anyMatch(l -> l.contains("cannot send metrics")), run::describe);
        assertTrue(otlpLines.stream().allMatch(l -> l.contains("127.0.0.1:" + port)), run::describe);
        assertFalse(run.stderr().contains("\tat "), "no stack trace: " + run.describe());
        // The exporter's own refused connects are never taken for the application's.
        List<Map<String, Object>> json = Events.read(events).all();
        assertEquals(301, json.size(), run::describe);
        assertTrue(json.stream().noneMatch(e -> String.valueOf(e.get("remote")).endsWith(":" + port)), run::describe);
        // At exit at most the final budget (2 s) is spent on a collector that does not answer.
        assertTrue(millis < 1500 + 5000, "the run took " + millis + " ms");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aCollectorAnswering503GetsRetriesAndEveryLostEventIsCounted(Jvm jvm) throws Exception {
        try (OtlpReceiver collector = new OtlpReceiver()) {
            collector.logsStatus = 503; // the metrics still arrive, and with them the drop counter
            int refused = 3000;
            Jvm.Result run = jvm.run(probe("otlp=" + collector.url() + ",otlp.interval=1s", null, 0, refused, 2500));
            assertEquals(0, run.exitCode(), run::describe);
            assertTrue(run.stdout().contains("failures=" + refused), run::describe);
            // One line for the log records' trouble, none per retry, and no "works again" because the
            // metrics (which the collector takes) work.
            List<String> otlpLines = run.stderrLines().stream().filter(l -> l.contains("OTLP collector")).toList();
            assertEquals(1, otlpLines.size(), run::describe);
            assertTrue(otlpLines.get(0).contains("cannot send log records") && otlpLines.get(0).contains("(HTTP 503)"),
                    run::describe);
            assertTrue(collector.logRequests.get() >= 2, "retried: " + collector.logRequests);
            assertTrue(collector.logRequests.get() <= 10, "backed off: " + collector.logRequests);
            List<OtlpReceiver.Point> dropped = collector.points(DROPPED).stream()
                    .filter(p -> "otlp".equals(p.attributes().get("sink"))).toList();
            assertTrue(dropped.size() >= 2, () -> "exports: " + dropped);
            // Before exit (the queue holds 2048 and a batch 512): the rest was dropped as it came.
            assertTrue(dropped.get(0).value() >= refused - 2048 - 512 || dropped.get(1).value() >= refused - 2048 - 512,
                    () -> "drops while running " + dropped);
            // At exit nothing was delivered: every event is counted as dropped, none twice.
            assertEquals((double) refused, dropped.get(dropped.size() - 1).value(), dropped::toString);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aSlowCollectorDelaysNeitherTheApplicationNorItsExit(Jvm jvm) throws Exception {
        try (OtlpReceiver collector = new OtlpReceiver()) {
            collector.delayMillis = 5000;
            long start = System.nanoTime();
            Jvm.Result run = jvm.run(probe("otlp=" + collector.url() + ",otlp.interval=1s", null, 1, 1, 6500));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(0, run.exitCode(), run::describe);
            assertFailuresTookUnder(2000, run);
            // 6.5 s of linger, then the final round: the metrics request under way (5 s) is ended and
            // the last one gives up within the 2 s budget, instead of 5 s + 5 s.
            assertTrue(millis < 6500 + 5000, "the run took " + millis + " ms");
            // A 5 s answer is within the request timeout: the records were sent, not given up on.
            assertEquals(2, collector.records().size(), run::describe);
            assertTrue(run.stderrLines().stream().noneMatch(l -> l.contains("cannot send log records")),
                    run::describe);
        }
    }

    /**
     * A collector whose port takes no more connections (its backlog full, nothing accepting): the
     * kernel drops the SYNs, so every connect waits out its timeout, as toward a firewalled or
     * vanished host. The application does not wait for any of it, nor does its exit, for long.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void aCollectorThatTakesNoConnectionsHoldsUpNothing(Jvm jvm) throws Exception {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (ServerSocket full = new ServerSocket(0, 1, loopback)) {
            List<java.net.Socket> queued = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) { // fills the backlog: the next SYNs go unanswered
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 300);
                        queued.add(s);
                    } catch (java.io.IOException e) {
                        s.close();
                    }
                }
                long start = System.nanoTime();
                Jvm.Result run = jvm.run(probe("otlp=http://127.0.0.1:" + full.getLocalPort() + ",otlp.interval=1s",
                        null, 1, 1, 3000));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(0, run.exitCode(), run::describe);
                assertFailuresTookUnder(2000, run);
                assertTrue(run.stderrLines().stream().anyMatch(l -> l.contains("cannot send")), run::describe);
                // 3 s of linger, then at most the exit's 3 s wait.
                assertTrue(millis < 3000 + 5000, "the run took " + millis + " ms");
            } finally {
                for (java.net.Socket s : queued) {
                    s.close();
                }
            }
        }
    }

    private static Long port(Object endpoint) {
        assertNotNull(endpoint);
        String text = endpoint.toString();
        return Long.parseLong(text.substring(text.lastIndexOf(':') + 1));
    }

    private static String hostName() throws Exception {
        return Files.readString(Paths.get("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
    }

}
