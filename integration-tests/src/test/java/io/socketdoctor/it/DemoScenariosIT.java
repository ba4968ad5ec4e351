package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the demo's real loopback failures in child JVMs with and without the agent, on JDK 17 and
 * 25, and checks that (1) the application saw exactly the same exception types and messages, and
 * (2) each failure produced one event with the right errno, cause, operation and API.
 */
class DemoScenariosIT {

    /** Scenario → what its event must say. {@code errnos} lists the acceptable errnos (empty: none). */
    private record Expected(String scenario, Set<String> causes, Set<String> errnos, String op, String api) {
        String method() {
            StringBuilder camel = new StringBuilder();
            for (String part : scenario.split("-")) {
                camel.append(camel.length() == 0 ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
            }
            return camel.toString();
        }
    }

    private static Expected expect(String scenario, String cause, String errno, String op, String api) {
        return new Expected(scenario, Set.of(cause.split("\\|")),
                errno.isEmpty() ? Set.of() : Set.of(errno.split("\\|")), op, api);
    }

    private static List<Expected> expectations(int feature) {
        List<Expected> list = new ArrayList<>(List.of(
                expect("reset-during-read", "peer_reset_read", "ECONNRESET", "read", "socket"),
                // A write after the peer's FIN succeeds; the one after its RST fails (EPIPE, or ECONNRESET
                // when the reset is still pending on the socket).
                expect("write-after-peer-close", "broken_pipe|peer_reset_write", "EPIPE|ECONNRESET", "write", "socket"),
                expect("write-after-reset", "peer_reset_write|broken_pipe", "ECONNRESET|EPIPE", "write", "socket"),
                expect("connection-refused", "refused", "ECONNREFUSED", "connect", "socket"),
                expect("read-timeout", "read_timeout_jdk", "", "read", "socket"),
                expect("connect-timeout", "connect_timeout_jdk", "", "connect", "socket"),
                expect("accept-timeout", "accept_timeout_jdk", "", "accept", "server_socket"),
                expect("use-after-close", "socket_closed", "", "write", "socket"),
                expect("channel-closed", "channel_closed", "", "read", "channel"),
                expect("closed-by-interrupt", "closed_by_interrupt", "", "read", "channel"),
                expect("async-close", "async_close", "", "read", "channel"),
                expect("address-in-use", "address_in_use", "EADDRINUSE", "bind", "server_socket"),
                expect("unsupported-option", "option_not_supported", "ENOPROTOOPT", "option", "socket"),
                expect("channel-reset-during-read", "peer_reset_read", "ECONNRESET", "read", "channel"),
                expect("channel-write-after-reset", "peer_reset_write|broken_pipe", "ECONNRESET|EPIPE", "write", "channel"),
                expect("channel-write-after-shutdown", "write_after_own_shutdown_channel", "", "write", "channel"),
                expect("socket-write-after-shutdown", "write_after_own_shutdown", "EPIPE", "write", "socket"),
                expect("channel-connection-refused", "refused", "ECONNREFUSED", "connect", "channel"),
                expect("udp", "port_unreachable", "ECONNREFUSED", "read", "datagram"),
                expect("udp-socket", "port_unreachable", "ECONNREFUSED", "read", "datagram"),
                // JDK 17 throws AsynchronousCloseException here, JDK 25 ClosedChannelException.
                expect("server-channel-accept-closed", feature >= 25 ? "channel_closed" : "async_close_accept", "",
                        "accept", "server_channel"),
                expect("async-reset-during-read", "peer_reset_read", "ECONNRESET", "read", "async"),
                expect("async-write-after-reset", "peer_reset_write|broken_pipe", "ECONNRESET|EPIPE", "write", "async"),
                // the JDK's SSLSocket reads through the Socket streams: diagnosed there, with tls=handshake
                expect("tls-reset-during-handshake", "peer_reset_read_tls_handshake", "ECONNRESET", "read", "socket")));
        if (feature >= 21) {
            list.add(expect("closed-by-interrupt-virtual", "closed_by_interrupt_virtual", "", "read", "socket"));
        }
        return list;
    }

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void everyScenarioIsDiagnosedAndTheApplicationSeesTheSameExceptions(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("demo-jdk" + jvm.feature());
        Path events = dir.resolve("events.jsonl");
        String demo = Jvm.demoJar().toString();

        Jvm.Result without = jvm.run(List.of("-jar", demo));
        Jvm.Result with = jvm.run(List.of("-Xverify:all", Jvm.agent("events=" + events), "-jar", demo));

        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);
        List<String> caughtWithout = demoLines(without);
        assertEquals(32, caughtWithout.size(), without::describe);
        assertEquals(caughtWithout, demoLines(with), "the application must see the same exceptions\n" + with.describe());

        assertFalse(with.stderr().contains("not instrumented"), with::describe);
        assertFalse(with.stderr().contains("could not start"), with::describe);
        assertFalse(with.stderr().contains("WARNING: "), "no JVM warning (e.g. JEP 498 Unsafe)\n" + with.describe());

        Events all = Events.read(events);
        for (Expected e : expectations(jvm.feature())) {
            List<Map<String, Object>> atSite = all.atSite(e.method());
            String context = e.scenario() + " on " + jvm + ": " + atSite + "\n" + with.describe();
            assertEquals(1, atSite.size(), "exactly one event for " + context);
            Map<String, Object> event = atSite.get(0);
            assertEquals("socket_error", event.get("event"), context);
            assertTrue(e.causes().contains(event.get("cause")), "cause of " + context);
            if (e.errnos().isEmpty()) {
                assertEquals(null, event.get("errno"), "errno of " + context);
            } else {
                assertTrue(e.errnos().contains(event.get("errno")), "errno of " + context);
                assertTrue(event.get("errno_code") instanceof Long, "errno_code of " + context);
            }
            assertEquals(e.op(), event.get("op"), "op of " + context);
            assertEquals(e.api(), event.get("api"), "api of " + context);
            assertTrue(caughtWithout.contains("[demo] " + e.scenario() + ": caught " + event.get("exception")
                    + ": " + event.get("message")), "the event names the exception the application caught: " + context);
            assertTrue(with.stderr().contains("[socket-doctor] ") && with.stderr().contains(
                    (String) event.get("site")), "a log line names the site: " + context);
        }
        Map<String, Object> refused = all.atSite("connectionRefused").get(0);
        assertTrue(((String) refused.get("remote")).startsWith("127.0.0.1:"), refused::toString);
        assertEquals("exact", refused.get("confidence"));
        assertEquals(111L, refused.get("errno_code"));
        assertEquals("inferred", all.atSite("unsupportedOption").get(0).get("confidence"));
        Map<String, Object> udp = all.atSite("udp").get(0);
        assertTrue(((String) udp.get("remote")).startsWith("127.0.0.1:"), udp::toString);
        assertTrue(((String) udp.get("diagnosis")).contains("sent to " + udp.get("remote") + " was answered with ICMP"),
                udp::toString);
        assertEquals(null, udp.get("tcp_state"), udp::toString);
        assertEquals("handshake", all.atSite("tlsResetDuringHandshake").get(0).get("tls"));
        assertFalse(all.atSite("resetDuringRead").get(0).containsKey("tls"), "no tls field for a plain socket");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void runningOutOfFileDescriptorsIsEmfile(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("emfile-jdk" + jvm.feature()).resolve("events.jsonl");
        String demo = Jvm.demoJar().toString();
        Jvm.Result without = jvm.run(List.of("-jar", demo, "too-many-open-files"), 256);
        Jvm.Result with = jvm.run(List.of(Jvm.agent("events=" + events), "-jar", demo, "too-many-open-files"), 256);

        assertEquals(List.of("[demo] too-many-open-files: caught java.net.SocketException: Too many open files"),
                demoLines(without), without::describe);
        assertEquals(demoLines(without), demoLines(with), with::describe);
        List<Map<String, Object>> emfile = Events.read(events).atSite("tooManyOpenFiles");
        assertEquals(1, emfile.size(), with::describe);
        assertEquals("EMFILE", emfile.get(0).get("errno"));
        assertEquals(24L, emfile.get(0).get("errno_code"));
        assertEquals("create", emfile.get(0).get("op"));
        assertEquals("server_channel", emfile.get(0).get("api"));
    }

    /** The demo's per-scenario result lines (the header excluded). */
    private static List<String> demoLines(Jvm.Result result) {
        return result.stdoutLines().stream()
                .filter(l -> l.startsWith("[demo] ") && !l.startsWith("[demo] Socket Doctor demo"))
                .collect(Collectors.toList());
    }
}
