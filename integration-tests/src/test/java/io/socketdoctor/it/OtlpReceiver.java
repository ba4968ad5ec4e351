package io.socketdoctor.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in OpenTelemetry Collector on loopback: OTLP/HTTP on {@code /v1/logs} and
 * {@code /v1/metrics}, every request decoded with the official opentelemetry-proto classes (a
 * request that does not decode fails the test). It can answer slowly or with another status.
 */
final class OtlpReceiver implements AutoCloseable {

    private final HttpServer server;
    final List<ExportLogsServiceRequest> logs = new CopyOnWriteArrayList<>();
    final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
    final List<String> problems = new CopyOnWriteArrayList<>();
    final AtomicInteger logRequests = new AtomicInteger();
    final AtomicInteger metricRequests = new AtomicInteger();
    volatile int logsStatus = 200;
    volatile int metricsStatus = 200;
    volatile long delayMillis;

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "otlp-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/v1/logs", exchange -> answer(exchange, true));
        server.createContext("/v1/metrics", exchange -> answer(exchange, false));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void answer(HttpExchange exchange, boolean isLogs) throws IOException {
        try (exchange) {
            (isLogs ? logRequests : metricRequests).incrementAndGet();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (!"POST".equals(exchange.getRequestMethod())
                    || !"application/x-protobuf".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
                problems.add(exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("Content-Type"));
            }
            int status = isLogs ? logsStatus : metricsStatus;
            if (status == 200) { // what a collector took in, whether or not the sender waits for the answer
                if (isLogs) {
                    logs.add(ExportLogsServiceRequest.parseFrom(body));
                } else {
                    metrics.add(ExportMetricsServiceRequest.parseFrom(body));
                }
            }
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            exchange.sendResponseHeaders(status, -1);
        } catch (IOException e) {
            problems.add(e.toString()); // a body that is not an OTLP request
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every log record received, with its resource's attributes. */
    List<Received> records() {
        List<Received> all = new ArrayList<>();
        for (ExportLogsServiceRequest request : logs) {
            for (ResourceLogs resource : request.getResourceLogsList()) {
                Map<String, Object> resourceAttributes = attributes(resource.getResource().getAttributesList());
                for (ScopeLogs scope : resource.getScopeLogsList()) {
                    for (LogRecord record : scope.getLogRecordsList()) {
                        all.add(new Received(record, attributes(record.getAttributesList()), resourceAttributes,
                                scope.getScope().getName()));
                    }
                }
            }
        }
        return all;
    }

    record Received(LogRecord record, Map<String, Object> attributes, Map<String, Object> resource, String scope) {
    }

    /** The data points of the metric with this name, in the order received, each with its resource. */
    List<Point> points(String name) {
        List<Point> all = new ArrayList<>();
        for (ExportMetricsServiceRequest request : metrics) {
            for (ResourceMetrics resource : request.getResourceMetricsList()) {
                Map<String, Object> resourceAttributes = attributes(resource.getResource().getAttributesList());
                for (ScopeMetrics scope : resource.getScopeMetricsList()) {
                    for (Metric metric : scope.getMetricsList()) {
                        if (!metric.getName().equals(name)) {
                            continue;
                        }
                        List<NumberDataPoint> points = metric.hasSum() ? metric.getSum().getDataPointsList()
                                : metric.getGauge().getDataPointsList();
                        for (NumberDataPoint p : points) {
                            double value = p.hasAsDouble() ? p.getAsDouble() : p.getAsInt();
                            all.add(new Point(attributes(p.getAttributesList()), value, resourceAttributes,
                                    metric.hasSum() && metric.getSum().getIsMonotonic()));
                        }
                    }
                }
            }
        }
        return all;
    }

    record Point(Map<String, Object> attributes, double value, Map<String, Object> resource, boolean monotonic) {
    }

    static Map<String, Object> attributes(List<KeyValue> list) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (KeyValue kv : list) {
            AnyValue v = kv.getValue();
            map.put(kv.getKey(), v.hasIntValue() ? (Object) v.getIntValue() : v.hasStringValue() ? v.getStringValue()
                    : v.toString());
        }
        return map;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
