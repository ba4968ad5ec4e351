package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.socketdoctor.it.probe.DatagramProbe;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * UDP ({@code DatagramChannel}, and {@code DatagramSocket}, an adaptor over the same channel on
 * JDK 17+): real datagram failures in child JVMs on JDK 17 and 25, with and without the agent.
 * The application must see the same exception types and messages; each failure must produce one
 * event with api {@code datagram} and the right errno, cause, operation and peer. Route failures
 * (ENETUNREACH, EHOSTUNREACH) happen only inside a network namespace this test creates and deletes.
 */
class DatagramIT {

    /**
     * One probe case: what the application catches and what its event says.
     *
     * @param remote the event's {@code remote}: an exact value, a prefix ending in ':', or null for none
     * @param local  a prefix the event's {@code local} must start with, or null for any
     */
    private record Expected(String method, String caught, String cause, String errno, String op, String remote,
                            String local) {
    }

    private static Expected expect(String method, String caught, String cause, String errno, String op, String remote,
                                   String local) {
        return new Expected(method, caught, cause, errno, op, remote, local);
    }

    private static final String LOOPBACK = "127.0.0.1:";
    private static final String UNREACHABLE = "java.net.PortUnreachableException: null";

    private static List<Expected> loopbackCases(int feature) {
        return List.of(
                // ICMP port unreachable, reported on the NEXT call of the connected socket
                expect("channelPortUnreachableRead", UNREACHABLE, "port_unreachable", "ECONNREFUSED", "read", LOOPBACK, LOOPBACK),
                expect("channelPortUnreachableWrite", UNREACHABLE, "port_unreachable", "ECONNREFUSED", "write", LOOPBACK, null),
                expect("socketPortUnreachable", UNREACHABLE, "port_unreachable", "ECONNREFUSED", "read", LOOPBACK, LOOPBACK),
                // EMSGSIZE: one byte more than an IPv4 datagram can carry
                expect("channelMessageTooLong", "java.net.SocketException: Message too long",
                        "message_too_long", "EMSGSIZE", "write", LOOPBACK, null),
                expect("channelWriteMessageTooLong", "java.io.IOException: Message too long",
                        "message_too_long", "EMSGSIZE", "write", LOOPBACK, null),
                expect("socketMessageTooLong", "java.net.SocketException: Message too long",
                        "message_too_long", "EMSGSIZE", "write", LOOPBACK, LOOPBACK),
                expect("channelBindInUse", "java.net.BindException: Address already in use",
                        "address_in_use", "EADDRINUSE", "bind", null, LOOPBACK),
                expect("socketBindInUse", "java.net.BindException: Address already in use",
                        "address_in_use", "EADDRINUSE", "bind", null, LOOPBACK),
                // JDK 17's DatagramChannel turns the ClosedChannelException into AsynchronousCloseException
                feature >= 25
                        ? expect("channelSendClosed", "java.nio.channels.ClosedChannelException: null",
                                "channel_closed", null, "write", LOOPBACK, null)
                        : expect("channelSendClosed", "java.nio.channels.AsynchronousCloseException: null",
                                "async_close", null, "write", LOOPBACK, null),
                expect("socketSendClosed", "java.net.SocketException: Socket closed", "socket_closed", null, "write",
                        LOOPBACK, null),
                expect("socketReceiveClosed", "java.net.SocketException: Socket closed", "socket_closed", null, "read",
                        null, null),
                expect("socketReceiveTimeout", "java.net.SocketTimeoutException: Receive timed out",
                        "receive_timeout_jdk", null, "read", null, LOOPBACK));
    }

    private static List<Expected> routeCases() {
        return List.of(
                expect("channelSendNetUnreachable", "java.net.SocketException: Network is unreachable",
                        "network_unreachable", "ENETUNREACH", "write", "198.51.100.1:9", null),
                expect("socketSendNetUnreachable", "java.net.SocketException: Network is unreachable",
                        "network_unreachable", "ENETUNREACH", "write", "198.51.100.1:9", null),
                expect("channelConnectNetUnreachable", "java.net.SocketException: Network is unreachable",
                        "network_unreachable", "ENETUNREACH", "connect", "198.51.100.1:9", null),
                expect("channelSendHostUnreachable", "java.net.NoRouteToHostException: No route to host",
                        "host_unreachable", "EHOSTUNREACH", "write", "192.0.2.1:9", null),
                expect("socketConnectHostUnreachable", "java.net.NoRouteToHostException: No route to host",
                        "host_unreachable", "EHOSTUNREACH", "connect", "192.0.2.1:9", null));
    }

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void loopbackFailuresAreDiagnosedAndTheApplicationSeesTheSameExceptions(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("datagram-jdk" + jvm.feature()).resolve("events.jsonl");
        List<Expected> cases = loopbackCases(jvm.feature());
        int port = freeTcpPort();
        List<String> probe = probe(cases);
        Jvm.Result without = jvm.run(probe);
        Jvm.Result with = jvm.run(Stream.concat(Stream.of("-Xverify:all",
                Jvm.agent("events=" + events + ",prometheus=127.0.0.1:" + port), "-Dprobe.metrics=" + port),
                probe.stream()).toList());

        checkSameExceptions(cases, without, with);
        checkEvents(cases, Events.read(events), jvm, with);

        // The metrics endpoint counts them under api="datagram" (port unreachable: one read, one write, one read).
        List<String> metrics = with.stdoutLines().stream().filter(l -> l.startsWith("[metrics] ")).toList();
        assertTrue(metrics.contains("[metrics] socket_doctor_errors_total{api=\"datagram\",cause=\"port_unreachable\","
                + "errno=\"ECONNREFUSED\",op=\"read\"} 2.0"), metrics + "\n" + with.describe());
        assertTrue(metrics.contains("[metrics] socket_doctor_errors_total{api=\"datagram\",cause=\"message_too_long\","
                + "errno=\"EMSGSIZE\",op=\"write\"} 3.0"), metrics + "\n" + with.describe());
        assertFalse(with.stdout().contains("socket_doctor_connections_opened_total{api=\"datagram\""), with::describe);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void routeFailuresInsideAPrivateNetworkNamespace(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("datagram-netns-jdk" + jvm.feature()).resolve("events.jsonl");
        List<Expected> cases = routeCases();
        String ns = "sd-udp-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24, 1 << 28));
        try {
            ip("netns", "add", ns);
            ip("-n", ns, "link", "set", "lo", "up");
            // 198.51.100.0/24: no route at all (ENETUNREACH); 192.0.2.0/24: an unreachable route (EHOSTUNREACH)
            ip("-n", ns, "route", "add", "unreachable", "192.0.2.0/24");
            Jvm.Result without = runInNamespace(ns, jvm, probe(cases));
            Jvm.Result with = runInNamespace(ns, jvm, Stream.concat(Stream.of("-Xverify:all",
                    Jvm.agent("events=" + events)), probe(cases).stream()).toList());
            checkSameExceptions(cases, without, with);
            checkEvents(cases, Events.read(events), jvm, with);
        } finally {
            ipQuietly("netns", "delete", ns);
        }
        assertFalse(ipOutput("netns", "list").contains(ns), "the namespace " + ns + " must be gone");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void runningOutOfFileDescriptorsIsEmfileOnCreate(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("datagram-emfile-jdk" + jvm.feature()).resolve("events.jsonl");
        List<Expected> cases = List.of(expect("socketTooManyOpenFiles", "java.net.SocketException: Too many open files",
                "too_many_open_files", "EMFILE", "create", null, null));
        Jvm.Result without = jvm.run(probe(cases), 256);
        Jvm.Result with = jvm.run(Stream.concat(Stream.of(Jvm.agent("events=" + events)), probe(cases).stream())
                .toList(), 256);
        checkSameExceptions(cases, without, with);
        checkEvents(cases, Events.read(events), jvm, with);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void successfulDatagramsAllocateNothingMore(Jvm jvm) throws Exception {
        Allocations.assertNoMore(jvm, DatagramProbe.class, List.of("channel", "socket"));
    }

    /** Like HotPathIT's check for TCP: the first datagram failure links and loads nothing on the application's thread. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void theFirstDatagramFailureLoadsNoExtraClass(Jvm jvm) throws Exception {
        Path dir = Jvm.workDir("datagram-first-error-jdk" + jvm.feature());
        Set<String> without = loadedAroundFirstError(jvm, dir.resolve("without.log"), null);
        Set<String> with = loadedAroundFirstError(jvm, dir.resolve("with.log"), Jvm.agent(null));
        with.removeAll(without);
        assertEquals(Set.of(), with, "classes the agent loaded while the application's first UDP failure was handled");
    }

    private static Set<String> loadedAroundFirstError(Jvm jvm, Path log, String agent) throws Exception {
        return ClassLoads.aroundFirstError(jvm, log, agent, DatagramProbe.class,
                "first error: java.net.PortUnreachableException");
    }

    // ---- checks ----

    private static void checkSameExceptions(List<Expected> cases, Jvm.Result without, Jvm.Result with) {
        assertEquals(0, without.exitCode(), without::describe);
        assertEquals(0, with.exitCode(), with::describe);
        List<String> expected = cases.stream().map(c -> "[udp] " + c.method() + ": caught " + c.caught()).toList();
        assertEquals(expected, udpLines(without), "measured JDK behaviour changed?\n" + without.describe());
        assertEquals(udpLines(without), udpLines(with), "the application must see the same exceptions\n" + with.describe());
        assertFalse(with.stderr().contains("not instrumented"), with::describe);
        assertFalse(with.stderr().contains("internal error"), with::describe);
    }

    private static void checkEvents(List<Expected> cases, Events all, Jvm jvm, Jvm.Result with) {
        for (Expected e : cases) {
            List<Map<String, Object>> atSite = all.atSite(e.method());
            String context = e.method() + " on " + jvm + ": " + atSite + "\n" + with.describe();
            assertEquals(1, atSite.size(), "exactly one event for " + context);
            Map<String, Object> event = atSite.get(0);
            assertEquals("socket_error", event.get("event"), context);
            assertEquals("datagram", event.get("api"), context);
            assertEquals(e.cause(), event.get("cause"), context);
            assertEquals(e.errno(), event.get("errno"), context);
            assertEquals(e.op(), event.get("op"), context);
            assertEquals(e.caught(), event.get("exception") + ": " + event.get("message"), context);
            assertNull(event.get("tcp_state"), "no TCP state for UDP: " + context);
            assertNull(event.get("history"), "no connection history for UDP: " + context);
            String remote = (String) event.get("remote");
            if (e.remote() == null) {
                assertNull(remote, context);
            } else if (e.remote().endsWith(":")) {
                assertTrue(remote != null && remote.startsWith(e.remote()) && !remote.endsWith(":0"), context);
            } else {
                assertEquals(e.remote(), remote, context);
            }
            if (e.local() != null) {
                String local = (String) event.get("local");
                assertTrue(local != null && local.startsWith(e.local()), context);
            }
            if (e.cause().equals("port_unreachable")) {
                assertTrue(((String) event.get("diagnosis")).startsWith("An earlier datagram this socket sent to "
                        + remote + " was answered with ICMP port unreachable"), context);
                assertEquals(111L, event.get("errno_code"), context);
            }
            assertTrue(with.stderr().contains((String) event.get("site")), "a log line names the site: " + context);
        }
        assertEquals(cases.size(), all.all().size(), "no other event: " + all.all());
    }

    // ---- helpers ----

    private static List<String> probe(List<Expected> cases) {
        List<String> args = new ArrayList<>(List.of("-cp", Jvm.testClasspath(), DatagramProbe.class.getName()));
        cases.forEach(c -> args.add(c.method()));
        return args;
    }

    private static List<String> udpLines(Jvm.Result result) {
        return result.stdoutLines().stream().filter(l -> l.startsWith("[udp] ")).collect(Collectors.toList());
    }

    private static int freeTcpPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /** {@code ip netns exec <ns> <jdk>/bin/java <arguments>}: the child JVM sees only the namespace's network. */
    private static Jvm.Result runInNamespace(String ns, Jvm jvm, List<String> arguments) throws Exception {
        return jvm.runUnder(List.of("ip", "netns", "exec", ns), arguments);
    }

    private static void ip(String... args) throws Exception {
        String output = ipOutput(args);
        if (output.startsWith("exit ")) {
            fail("ip " + String.join(" ", args) + " failed (this test needs root and iproute2): " + output);
        }
    }

    private static void ipQuietly(String... args) {
        try {
            ipOutput(args);
        } catch (Exception e) {
            // best effort in finally; the assertion after it checks the namespace is gone
        }
    }

    /** The output of {@code ip <args>}, prefixed with {@code exit <code>} when it failed. Bounded to 10 s. */
    private static String ipOutput(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            return "exit timeout";
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return process.exitValue() == 0 ? output : "exit " + process.exitValue() + ": " + output;
    }
}
