package io.socketdoctor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.config.Config;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class IdentityTest {

    @Test
    void theServiceNameComesFromTheOptionThenOpenTelemetryThenTheCommand() {
        Map<String, String> otel = Map.of("OTEL_SERVICE_NAME", "billing",
                "OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attributes");
        assertEquals("checkout", Identity.service("checkout", otel, "com.acme.Main"));
        assertEquals("billing", Identity.service("", otel, "com.acme.Main"));
        assertEquals("from-attributes", Identity.service("",
                Map.of("OTEL_RESOURCE_ATTRIBUTES", "a=1, service.name = from-attributes"), "com.acme.Main"));
        assertEquals("com.acme.Main", Identity.service("", Map.of(), "com.acme.Main --port 8080"));
        assertEquals("orders-1.4", Identity.service("", Map.of(), "/opt/app/orders-1.4.jar --spring.profiles=prod"));
        assertEquals("unknown_service:java", Identity.service("", Map.of(), ""));
    }

    @Test
    void resourceAttributesArePercentDecodedAndBadPairsSkipped() {
        assertEquals(Map.of("k8s.pod.name", "pod-1", "note", "a,b é"), Identity.resourceAttributes(Map.of(
                "OTEL_RESOURCE_ATTRIBUTES", "k8s.pod.name=pod%2D1,novalue,=x,note=a%2Cb%20%C3%A9")));
    }

    @Test
    void thisProcessIsDescribedWithoutALookup() throws Exception {
        Identity id = Identity.of(Config.parse("service=checkout", new Properties(), Map.of()));
        assertEquals("checkout", id.service());
        assertEquals(ProcessHandle.current().pid(), id.pid());
        assertTrue(!id.host().isBlank() && !id.instanceId().isBlank(), id::toString);
        assertEquals(System.getProperty("java.runtime.version"), id.runtimeVersion());
    }

    @Test
    void theInstanceIdIsARandomVersion4Uuid() {
        java.util.UUID id = java.util.UUID.fromString(Identity.newInstanceId());
        assertEquals(4, id.version());
        assertEquals(2, id.variant());
        assertTrue(!Identity.newInstanceId().equals(Identity.newInstanceId()));
    }
}
