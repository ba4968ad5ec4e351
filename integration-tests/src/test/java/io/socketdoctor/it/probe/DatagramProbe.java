package io.socketdoctor.it.probe;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;

/**
 * UDP failures for {@code DatagramIT}, run in child JVMs with and without the agent. Each case is a
 * method of the same name (so the event's site names it) and prints one line:
 * {@code [udp] case: caught <class>: <message>} or {@code [udp] case: no exception}. Loopback only,
 * except the route cases, which the test runs inside a network namespace of its own. Every wait is bounded.
 */
public final class DatagramProbe {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** Largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
    private static final int MAX_IPV4_PAYLOAD = 65507;
    private static final byte[] DATA = {1, 2, 3, 4};

    private DatagramProbe() {
    }

    interface Case {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("first-error")) {
            firstError();
            return;
        }
        if (args[0].equals("alloc")) {
            alloc(Integer.parseInt(args[1]));
            return;
        }
        for (String name : args) {
            run(name, caseNamed(name));
        }
        String metricsPort = System.getProperty("probe.metrics");
        if (metricsPort != null) {
            printMetrics(Integer.parseInt(metricsPort), args.length);
        }
    }

    private static Case caseNamed(String name) {
        return switch (name) {
            case "channelPortUnreachableRead" -> DatagramProbe::channelPortUnreachableRead;
            case "channelPortUnreachableWrite" -> DatagramProbe::channelPortUnreachableWrite;
            case "socketPortUnreachable" -> DatagramProbe::socketPortUnreachable;
            case "channelMessageTooLong" -> DatagramProbe::channelMessageTooLong;
            case "channelWriteMessageTooLong" -> DatagramProbe::channelWriteMessageTooLong;
            case "socketMessageTooLong" -> DatagramProbe::socketMessageTooLong;
            case "channelBindInUse" -> DatagramProbe::channelBindInUse;
            case "socketBindInUse" -> DatagramProbe::socketBindInUse;
            case "channelSendClosed" -> DatagramProbe::channelSendClosed;
            case "socketSendClosed" -> DatagramProbe::socketSendClosed;
            case "socketReceiveClosed" -> DatagramProbe::socketReceiveClosed;
            case "socketReceiveTimeout" -> DatagramProbe::socketReceiveTimeout;
            case "channelSendNetUnreachable" -> DatagramProbe::channelSendNetUnreachable;
            case "socketSendNetUnreachable" -> DatagramProbe::socketSendNetUnreachable;
            case "channelConnectNetUnreachable" -> DatagramProbe::channelConnectNetUnreachable;
            case "channelSendHostUnreachable" -> DatagramProbe::channelSendHostUnreachable;
            case "socketConnectHostUnreachable" -> DatagramProbe::socketConnectHostUnreachable;
            case "socketTooManyOpenFiles" -> DatagramProbe::socketTooManyOpenFiles;
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static void run(String name, Case c) {
        String outcome;
        try {
            c.run();
            outcome = "no exception";
        } catch (Exception e) {
            outcome = "caught " + e.getClass().getName() + ": " + e.getMessage();
        }
        System.out.println("[udp] " + name + ": " + outcome);
        System.out.flush();
    }

    // ---- ICMP port unreachable: reported on the NEXT call of a connected socket ----

    static void channelPortUnreachableRead() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(closedPort());
            channel.write(ByteBuffer.wrap(DATA));
            pause(100);
            channel.configureBlocking(false); // never blocks, whatever the kernel does
            ByteBuffer in = ByteBuffer.allocate(16);
            for (int i = 0; i < 20 && channel.read(in) == 0; i++) {
                pause(50);
            }
        }
    }

    static void channelPortUnreachableWrite() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(closedPort());
            channel.write(ByteBuffer.wrap(DATA));
            pause(100);
            channel.write(ByteBuffer.wrap(DATA));
        }
    }

    static void socketPortUnreachable() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK)) {
            socket.connect(closedPort());
            socket.setSoTimeout(2000);
            socket.send(new DatagramPacket(DATA, DATA.length));
            pause(100);
            socket.receive(new DatagramPacket(new byte[16], 16));
        }
    }

    // ---- EMSGSIZE: larger than one IPv4 datagram ----

    static void channelMessageTooLong() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.send(ByteBuffer.allocate(MAX_IPV4_PAYLOAD + 1), closedPort());
        }
    }

    static void channelWriteMessageTooLong() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(closedPort());
            channel.write(ByteBuffer.allocate(MAX_IPV4_PAYLOAD + 1));
        }
    }

    static void socketMessageTooLong() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK)) {
            socket.send(new DatagramPacket(new byte[MAX_IPV4_PAYLOAD + 1], MAX_IPV4_PAYLOAD + 1, closedPort()));
        }
    }

    // ---- EADDRINUSE ----

    static void channelBindInUse() throws Exception {
        try (DatagramChannel holder = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             DatagramChannel channel = DatagramChannel.open()) {
            channel.bind(holder.getLocalAddress());
        }
    }

    static void socketBindInUse() throws Exception {
        try (DatagramSocket holder = new DatagramSocket(0, LOOPBACK)) {
            new DatagramSocket(holder.getLocalPort(), LOOPBACK).close();
        }
    }

    // ---- closed by this process ----

    static void channelSendClosed() throws Exception {
        DatagramChannel channel = DatagramChannel.open();
        channel.close();
        channel.send(ByteBuffer.wrap(DATA), closedPort());
    }

    static void socketSendClosed() throws Exception {
        DatagramSocket socket = new DatagramSocket(0, LOOPBACK);
        socket.close();
        socket.send(new DatagramPacket(DATA, DATA.length, closedPort()));
    }

    static void socketReceiveClosed() throws Exception {
        DatagramSocket socket = new DatagramSocket(0, LOOPBACK);
        socket.close();
        socket.receive(new DatagramPacket(new byte[16], 16));
    }

    // ---- the JDK's SO_TIMEOUT ----

    static void socketReceiveTimeout() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK)) {
            socket.setSoTimeout(150);
            socket.receive(new DatagramPacket(new byte[16], 16));
        }
    }

    // ---- routes: only inside the test's own network namespace (lo up, 192.0.2.0/24 unreachable, nothing else) ----

    private static final InetSocketAddress NO_ROUTE = new InetSocketAddress("198.51.100.1", 9);
    private static final InetSocketAddress UNREACHABLE_ROUTE = new InetSocketAddress("192.0.2.1", 9);

    static void channelSendNetUnreachable() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.send(ByteBuffer.wrap(DATA), NO_ROUTE);
        }
    }

    static void socketSendNetUnreachable() throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.send(new DatagramPacket(DATA, DATA.length, NO_ROUTE));
        }
    }

    static void channelConnectNetUnreachable() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(NO_ROUTE);
        }
    }

    static void channelSendHostUnreachable() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.send(ByteBuffer.wrap(DATA), UNREACHABLE_ROUTE);
        }
    }

    static void socketConnectHostUnreachable() throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(UNREACHABLE_ROUTE);
        }
    }

    // ---- EMFILE: run under a low ulimit -n ----

    static void socketTooManyOpenFiles() throws Exception {
        // Setup: the first close of a datagram socket initialises a JDK class that needs a descriptor
        // of its own (FileDispatcherImpl), so close one while descriptors are still free.
        new DatagramSocket().close();
        java.util.List<DatagramSocket> opened = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 5000; i++) {
                opened.add(new DatagramSocket());
            }
        } finally {
            for (DatagramSocket socket : opened) {
                socket.close();
            }
        }
    }

    // ---- the first UDP failure, between two marker classes (for the class-load log) ----

    private static void firstError() throws Exception {
        InetSocketAddress nobody = closedPort();
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(nobody);
            channel.write(ByteBuffer.wrap(DATA));
            pause(100);
            channel.configureBlocking(false);
            AgentReady.await(); // the agent's warm-up loads classes of its own
            Class.forName(DatagramProbe.class.getName() + "$BeforeFirstError");
            try {
                for (int i = 0; i < 20 && channel.read(ByteBuffer.allocate(16)) == 0; i++) {
                    pause(50);
                }
            } catch (IOException expected) {
                Class.forName(DatagramProbe.class.getName() + "$AfterFirstError");
                System.out.println("first error: " + expected);
            }
        }
    }

    static final class BeforeFirstError {
    }

    static final class AfterFirstError {
    }

    // ---- allocation of successful datagrams ----

    /** Bytes this thread allocates per successful send + receive, for DatagramChannel and DatagramSocket. */
    private static void alloc(int rounds) throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        try (DatagramChannel a = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             DatagramChannel b = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            a.connect(b.getLocalAddress());
            b.connect(a.getLocalAddress());
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            ByteBuffer in = ByteBuffer.allocateDirect(64);
            long before = 0;
            for (int round = -rounds; round < rounds; round++) {
                if (round == 0) {
                    before = threads.getThreadAllocatedBytes(self);
                }
                out.clear();
                a.write(out);
                in.clear();
                b.read(in); // blocking: the datagram is already queued on loopback
                in.flip();
                b.write(in);
                in.clear();
                a.read(in);
            }
            long after = threads.getThreadAllocatedBytes(self);
            System.out.println("channel.bytesPerRoundTrip=" + (after - before) / (double) rounds);
        }
        try (DatagramSocket a = new DatagramSocket(0, LOOPBACK); DatagramSocket b = new DatagramSocket(0, LOOPBACK)) {
            a.connect(b.getLocalSocketAddress());
            b.connect(a.getLocalSocketAddress());
            a.setSoTimeout(5000);
            b.setSoTimeout(5000);
            // One packet per direction: send() fills in the connected address of the socket that sent it.
            DatagramPacket toB = new DatagramPacket(new byte[64], 64);
            DatagramPacket toA = new DatagramPacket(new byte[64], 64);
            DatagramPacket in = new DatagramPacket(new byte[64], 64);
            long before = 0;
            for (int round = -rounds; round < rounds; round++) {
                if (round == 0) {
                    before = threads.getThreadAllocatedBytes(self);
                }
                a.send(toB);
                b.receive(in);
                b.send(toA);
                a.receive(in);
            }
            long after = threads.getThreadAllocatedBytes(self);
            System.out.println("socket.bytesPerRoundTrip=" + (after - before) / (double) rounds);
        }
    }

    // ---- helpers: setup only ----

    /** A loopback UDP address where nothing listens: bind an ephemeral port, then release it. */
    private static InetSocketAddress closedPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK)) {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }
    }

    /**
     * The agent's metrics endpoint's {@code api="datagram"} error series, once they add up to
     * {@code expected} (the writer thread counts events asynchronously, and the endpoint answers 503
     * until the meters are built; at most 5 s).
     */
    private static void printMetrics(int port, int expected) throws Exception {
        String lines = "";
        for (int attempt = 0; attempt < 50; attempt++) {
            lines = datagramErrorLines(port);
            double sum = 0;
            for (String line : lines.split("\n")) {
                if (!line.isEmpty()) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            if (sum >= expected) {
                break;
            }
            pause(100);
        }
        System.out.print(lines);
        System.out.flush();
    }

    private static String datagramErrorLines(int port) throws IOException {
        HttpURLConnection http = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
        http.setConnectTimeout(2000);
        http.setReadTimeout(2000);
        StringBuilder out = new StringBuilder();
        if (http.getResponseCode() == 503) { // the meters are still being built: none counted yet
            http.disconnect();
            return "";
        }
        try (InputStream in = http.getInputStream()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("socket_doctor_errors_total{") && line.contains("api=\"datagram\"")) {
                    out.append("[metrics] ").append(line).append('\n');
                }
            }
        } finally {
            http.disconnect();
        }
        return out.toString();
    }

    private static void pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }
}
