package io.socketdoctor.event;

import io.socketdoctor.config.AgentVersion;
import io.socketdoctor.config.Config;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which process an event comes from: the fields every JSON event and the OTLP resource carry.
 * Worked out once at start, from what is already in memory or one small /proc file: never a
 * DNS lookup (a service's start must not wait on its resolver).
 *
 * @param service    {@code service=}, else {@code OTEL_SERVICE_NAME}, else {@code service.name} in
 *                   {@code OTEL_RESOURCE_ATTRIBUTES}, else the main class or the jar's name
 * @param host       the kernel's host name (a pod's name in Kubernetes)
 * @param instanceId unique per agent start (OpenTelemetry's {@code service.instance.id})
 */
public record Identity(String service, String host, long pid, String agentVersion, String instanceId,
                       String runtimeVersion) {

    public static Identity of(Config config) {
        return of(config, System.getenv(), System.getProperty("sun.java.command", ""));
    }

    static Identity of(Config config, Map<String, String> environment, String command) {
        return new Identity(service(config.service(), environment, command), host(environment),
                ProcessHandle.current().pid(), AgentVersion.of(), newInstanceId(),
                // the property, not Runtime.version(): its toString runs streams and lambdas
                System.getProperty("java.runtime.version", System.getProperty("java.version", "")));
    }

    static String service(String option, Map<String, String> environment, String command) {
        if (!option.isEmpty()) {
            return option;
        }
        String fromEnv = environment.get("OTEL_SERVICE_NAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        String fromAttributes = resourceAttributes(environment).get("service.name");
        if (fromAttributes != null && !fromAttributes.isBlank()) {
            return fromAttributes;
        }
        String main = command.strip();
        int space = main.indexOf(' ');
        main = space < 0 ? main : main.substring(0, space);
        if (main.endsWith(".jar")) {
            main = main.substring(Math.max(main.lastIndexOf('/'), main.lastIndexOf('\\')) + 1, main.length() - 4);
        }
        return main.isEmpty() ? "unknown_service:java" : main;
    }

    private static String host(Map<String, String> environment) {
        // A FileInputStream, not Files: NIO's channel classes are not loaded yet at this point.
        try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/sys/kernel/hostname")) {
            String name = new String(in.readNBytes(256), StandardCharsets.US_ASCII).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (Exception | Error e) {
            // not Linux, or no /proc: the environment's word then
        }
        String fromEnv = environment.get("HOSTNAME");
        return fromEnv == null || fromEnv.isBlank() ? "unknown" : fromEnv.strip();
    }

    /**
     * A random (version 4) UUID, as OpenTelemetry asks of {@code service.instance.id}, from
     * {@link ThreadLocalRandom}: {@code UUID.randomUUID()} would seed a {@code SecureRandom}, whose
     * provider classes cost every JVM with the agent milliseconds of CPU and a MiB of memory for an
     * id that needs to be unique, not unguessable.
     */
    static String newInstanceId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long low = (random.nextLong() & ~(3L << 62)) | (2L << 62); // IETF variant
        return new UUID(high, low).toString();
    }

    /**
     * {@code OTEL_RESOURCE_ATTRIBUTES} ({@code key1=value1,key2=value2}, values percent-encoded), in
     * order; a pair without {@code =} or with an empty key is skipped, as the OpenTelemetry SDKs do.
     */
    public static Map<String, String> resourceAttributes(Map<String, String> environment) {
        Map<String, String> attributes = new java.util.LinkedHashMap<>();
        String text = environment.get("OTEL_RESOURCE_ATTRIBUTES");
        if (text == null) {
            return attributes;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? "" : pair.substring(0, eq).strip();
            if (!key.isEmpty()) {
                attributes.put(key, percentDecoded(pair.substring(eq + 1).strip()));
            }
        }
        return attributes;
    }

    private static String percentDecoded(String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length() && Character.digit(value.charAt(i + 1), 16) >= 0
                    && Character.digit(value.charAt(i + 2), 16) >= 0) {
                bytes.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] plain = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(plain, 0, plain.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
