package io.socketdoctor.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.Identity;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogRecordsTest {

    private static Map<String, Object> attributes(LogRecord record) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (KeyValue kv : record.getAttributesList()) {
            AnyValue v = kv.getValue();
            map.put(kv.getKey(), v.hasIntValue() ? (Object) v.getIntValue() : v.getStringValue());
        }
        return map;
    }

    @Test
    void aResetOverIpv6CarriesTheConventionsNames() {
        Event reset = Event.of(Event.SOCKET_ERROR).at(Instant.parse("2026-12-06T10:00:00.123456789Z"))
                .errno("ECONNRESET", 104).cause("peer_reset_read", "exact").call("read", "channel")
                .exception("java.net.SocketException", "Connection reset").ends("[::1]:40000", "[::1]:5432")
                .texts("The peer sent a TCP RST.", "Look at the peer.").thread("pool-1")
                .sites("com.acme.Db.query(Db.java:42)", "com.acme.App.main(App.java:7)")
                .tcp(new Event.TcpState("CLOSE_WAIT", 0L, 10L)).build();
        LogRecord record = LogRecords.of(reset, 5);
        Map<String, Object> a = attributes(record);
        assertEquals(SeverityNumber.SEVERITY_NUMBER_WARN, record.getSeverityNumber());
        assertEquals("The peer sent a TCP RST.", record.getBody().getStringValue());
        assertEquals(1_796_551_200_123_456_789L, record.getTimeUnixNano());
        assertEquals(5, record.getObservedTimeUnixNano());
        assertEquals("::1", a.get("network.peer.address"));
        assertEquals(5432L, a.get("network.peer.port"));
        assertEquals(40000L, a.get("network.local.port"));
        assertEquals("tcp", a.get("network.transport"));
        assertEquals("ECONNRESET", a.get("error.type"));
        assertEquals("com.acme.Db.query", a.get("code.function.name"));
        assertEquals("Db.java", a.get("code.file.path"));
        assertEquals(42L, a.get("code.line.number"));
        assertEquals("com.acme.App.main(App.java:7)", a.get("socket_doctor.app_site"));
        assertEquals("CLOSE_WAIT", a.get("socket_doctor.tcp_state"));
        assertEquals("channel", a.get("socket_doctor.api"));
        assertFalse(a.containsKey("socket_doctor.history"), "an unknown value is left out, not sent empty");
    }

    @Test
    void aWarningIsInfoAndAJdkErrorWithoutErrnoNamesItsCause() {
        Event warning = Event.of("write_after_reset").at(Instant.EPOCH).call("write", "datagram")
                .ends("127.0.0.1:1", "127.0.0.1:2").thread("t").sites("Native.write(Unknown Source)", null).build();
        LogRecord record = LogRecords.of(warning, 0);
        assertEquals(SeverityNumber.SEVERITY_NUMBER_INFO, record.getSeverityNumber());
        assertEquals("INFO", record.getSeverityText());
        Map<String, Object> a = attributes(record);
        assertEquals("udp", a.get("network.transport"));
        assertEquals("Native.write", a.get("code.function.name"));
        assertFalse(a.containsKey("code.line.number"));
        assertFalse(a.containsKey("code.file.path"));
        assertEquals("write_after_reset", record.getBody().getStringValue(), "no diagnosis: the body is the type");

        Event timeout = Event.of(Event.SOCKET_ERROR).at(Instant.EPOCH).cause("read_timeout_jdk", "inferred")
                .call("read", "socket").build();
        assertEquals("read_timeout_jdk", attributes(LogRecords.of(timeout, 0)).get("error.type"));
    }

    @Test
    void theResourceTakesTheEnvironmentAndSetsWhatTheAgentKnowsOverIt() {
        Identity identity = new Identity("checkout", "pod-7", 42, "0.2.0", "id-1", "17.0.9+9");
        Map<String, String> resource = OtlpResource.attributes(identity,
                Map.of("OTEL_RESOURCE_ATTRIBUTES", "host.name=wrong,k8s.namespace.name=shop,team=a%20b"));
        assertEquals("checkout", resource.get("service.name"));
        assertEquals("pod-7", resource.get("host.name"));
        assertEquals("42", resource.get("process.pid"));
        assertEquals("id-1", resource.get("service.instance.id"));
        assertEquals("17.0.9+9", resource.get("process.runtime.version"));
        assertEquals("shop", resource.get("k8s.namespace.name"));
        assertEquals("a b", resource.get("team"));
    }
}
