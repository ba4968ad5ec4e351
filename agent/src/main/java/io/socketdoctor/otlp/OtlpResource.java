package io.socketdoctor.otlp;

import io.opentelemetry.proto.resource.v1.Resource;
import io.socketdoctor.event.Identity;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The OTLP resource: which process the logs and metrics come from, in OpenTelemetry's
 * semantic-convention names. {@code OTEL_RESOURCE_ATTRIBUTES} comes first, so a deployment can
 * add {@code deployment.environment.name}, {@code k8s.pod.name} and the like; the facts the
 * agent knows itself (service, instance, host, pid, runtime) are then set over it.
 */
final class OtlpResource {

    private OtlpResource() {
    }

    static Map<String, String> attributes(Identity identity, Map<String, String> environment) {
        Map<String, String> attributes = new LinkedHashMap<>(Identity.resourceAttributes(environment));
        // Micrometer sets telemetry.sdk.* on the metrics itself (and warns on the console if given them).
        attributes.keySet().removeIf(key -> key.startsWith("telemetry.sdk."));
        attributes.put("service.name", identity.service());
        attributes.put("service.instance.id", identity.instanceId());
        attributes.put("host.name", identity.host());
        attributes.put("process.pid", Long.toString(identity.pid()));
        attributes.put("process.runtime.name", System.getProperty("java.runtime.name", "Java"));
        attributes.put("process.runtime.version", identity.runtimeVersion());
        attributes.put("telemetry.distro.name", "socket-doctor");
        attributes.put("telemetry.distro.version", identity.agentVersion());
        return Collections.unmodifiableMap(attributes);
    }

    /**
     * As the log records' resource. Every value a string, {@code process.pid} too: Micrometer's
     * registry sends the metrics' resource so, and one process must be one resource to a collector.
     */
    static Resource of(Map<String, String> attributes) {
        Resource.Builder resource = Resource.newBuilder();
        attributes.forEach((key, value) -> resource.addAttributes(LogRecords.attribute(key, value)));
        return resource.build();
    }
}
