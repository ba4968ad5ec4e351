/**
 * {@code otlp=URL}: every event as an OpenTelemetry log record and the metrics over OTLP/HTTP
 * (protobuf), to an OpenTelemetry Collector. Nothing in this package, nor the shaded protobuf,
 * opentelemetry-proto and Micrometer OTLP classes it uses, is loaded unless {@code otlp} is set.
 *
 * <p>{@link io.socketdoctor.otlp.OtlpExporter} is the entry point and the one thread;
 * {@link io.socketdoctor.otlp.LogRecords} maps an event to a log record (the attribute names);
 * {@link io.socketdoctor.otlp.OtlpResource} says which process it is; {@link io.socketdoctor.otlp.OtlpMetrics}
 * feeds the same meters as {@code /metrics} to Micrometer's OTLP registry;
 * {@link io.socketdoctor.otlp.OtlpHttp} posts the bytes.
 */
package io.socketdoctor.otlp;
