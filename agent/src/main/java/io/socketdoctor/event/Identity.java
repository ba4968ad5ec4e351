package io.socketdoctor.event;

import io.socketdoctor.config.Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * Which process an event comes from: the fields every JSON event and the OTLP resource carry.
 * Worked out once at start, from what is already in memory or one small /proc file: never a
 * DNS lookup (a service's start must not wait on its resolver).
 *
 * @param service    {@code service=}, else {@code OTEL_SERVICE_NAME}, else the main class or the jar's name
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
                ProcessHandle.current().pid(), jarVersion(), UUID.randomUUID().toString(),
                Runtime.version().toString());
    }

    static String service(String option, Map<String, String> environment, String command) {
        if (!option.isEmpty()) {
            return option;
        }
        String fromEnv = environment.get("OTEL_SERVICE_NAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
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
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (Exception | Error e) {
            // not Linux, or no /proc: the environment's word then
        }
        String fromEnv = environment.get("HOSTNAME");
        return fromEnv == null || fromEnv.isBlank() ? "unknown" : fromEnv.strip();
    }

    /** The jar's version (its manifest), or {@code dev} when run from classes. */
    public static String jarVersion() {
        String v = Identity.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
