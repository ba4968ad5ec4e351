package io.socketdoctor.it.probe;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.zip.CRC32;

/**
 * Small programs the integration tests run in child JVMs, with and without the agent.
 * Loopback only; every loop is bounded.
 */
public final class Probe {

    private Probe() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "quiet" -> quiet();
            case "healthy" -> healthy();
            case "enrich" -> enrich();
            case "burst" -> burst(Integer.parseInt(args[1]), args.length > 2 ? Long.parseLong(args[2]) : 0);
            case "alloc" -> alloc(Integer.parseInt(args[1]));
            case "first-error" -> firstError();
            case "churn" -> churn(Integer.parseInt(args[1]));
            case "churn-alloc" -> churnAlloc(Integer.parseInt(args[1]));
            case "pooled-close-wait" -> pooledCloseWait(Integer.parseInt(args[1]), Long.parseLong(args[2]));
            case "resets" -> resets(Integer.parseInt(args[1]), Long.parseLong(args[2]));
            case "refused-until-diagnosed" -> refusedUntilDiagnosed(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * From main's first line, refused connects over Socket and SocketChannel every 5 ms, for the
     * background install to land among: stops {@code extra} attempts after the first exception
     * that carries a diagnosis, or after {@code max} attempts (6 000: about 30 s). Prints the distinct
     * exception types and messages, and whether any was diagnosed.
     */
    private static void refusedUntilDiagnosed(int extra, int max) throws Exception {
        // Whether the agent was still instrumenting when main began: its install thread is alive.
        boolean installing = Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("socket-doctor-install") && t.isAlive());
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, loopback)) {
            port = closed.getLocalPort();
        }
        java.util.SortedSet<String> seen = new java.util.TreeSet<>();
        int firstDiagnosed = -1;
        int attempt = 0;
        for (; attempt < max && (firstDiagnosed < 0 || attempt < firstDiagnosed + extra); attempt++) {
            IOException failure = null;
            try {
                if (attempt % 2 == 0) {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(loopback, port), 5_000);
                    }
                } else {
                    SocketChannel.open(new InetSocketAddress(loopback, port)).close();
                }
            } catch (IOException e) {
                failure = e;
            }
            if (failure == null) {
                seen.add("connected");
            } else {
                seen.add(failure.getClass().getName() + ": " + failure.getMessage());
                if (firstDiagnosed < 0 && failure.getSuppressed().length > 0) {
                    firstDiagnosed = attempt;
                }
            }
            Thread.sleep(5);
        }
        for (String line : seen) {
            System.out.println(line);
        }
        System.out.println("diagnosed=" + (firstDiagnosed >= 0));
        System.out.println("installing-when-main-began=" + installing);
    }

    /** Never touches a socket; a distinctive exit code. */
    private static void quiet() {
        long sum = 0;
        for (int i = 0; i < 1_000_000; i++) {
            sum += i % 7;
        }
        System.out.println("quiet sum=" + sum);
        System.err.println("quiet says something on stderr");
        System.exit(3);
    }

    /** Sockets and channels that never fail: an echo exchange over both APIs, checksummed. */
    private static void healthy() throws Exception {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        CRC32 crc = new CRC32();
        try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
            server.setSoTimeout(10_000);
            Thread echo = new Thread(() -> echo(server, 2), "echo");
            echo.setDaemon(true);
            echo.start();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(loopback, server.getLocalPort()), 5_000);
                socket.setSoTimeout(10_000);
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                DataInputStream in = new DataInputStream(socket.getInputStream());
                for (int i = 0; i < 200; i++) {
                    out.writeInt(i);
                    crc.update(in.readInt());
                }
            }
            try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(loopback, server.getLocalPort()))) {
                ByteBuffer buffer = ByteBuffer.allocate(4);
                for (int i = 0; i < 200; i++) {
                    buffer.clear();
                    buffer.putInt(i * 3).flip();
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    buffer.clear();
                    while (buffer.hasRemaining()) {
                        if (channel.read(buffer) < 0) {
                            throw new IOException("unexpected EOF");
                        }
                    }
                    crc.update(buffer.flip().getInt());
                }
            }
            echo.join(10_000);
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(loopback, 0));
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                 SocketChannel accepted = server.accept()) {
                crc.update(accepted.isConnected() && client.isConnected() ? 1 : 0);
            }
        }
        System.out.println("healthy crc=" + crc.getValue());
    }

    private static void echo(ServerSocket server, int connections) {
        for (int c = 0; c < connections; c++) {
            try (Socket s = server.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                for (int i = 0; i < 200; i++) {
                    out.writeInt(in.readInt() + 1);
                }
            } catch (IOException e) {
                System.out.println("echo failed: " + e);
            }
        }
    }

    /** A refused connect; prints what the application sees of the exception. */
    private static void enrich() throws IOException {
        int port = closedPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 2_000);
            System.out.println("connected?!");
        } catch (IOException e) {
            System.out.println("class=" + e.getClass().getName());
            System.out.println("message=" + e.getMessage());
            System.out.println("suppressed=" + e.getSuppressed().length);
            for (Throwable s : e.getSuppressed()) {
                System.out.println("suppressed.class=" + s.getClass().getName());
                System.out.println("suppressed.message=" + s.getMessage());
                System.out.println("suppressed.frames=" + s.getStackTrace().length);
            }
            System.out.println("cause=" + e.getCause());
        }
    }

    /**
     * {@code count} loopback connections, each reset by its peer (SO_LINGER 0) while this side
     * reads: ECONNRESET on a connection whose two ends are known, the kind of failure the agent
     * looks up in /proc/net/tcp. {@code pauseMillis} between them; each prints one line.
     */
    private static void resets(int count, long pauseMillis) throws Exception {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        int failures = 0;
        try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
            for (int i = 0; i < count; i++) {
                try (Socket client = new Socket(loopback, server.getLocalPort()); Socket accepted = server.accept()) {
                    accepted.setSoLinger(true, 0);
                    accepted.close();
                    client.setSoTimeout(5_000);
                    client.getInputStream().read();
                    System.out.println("reset " + i + " not seen");
                } catch (IOException e) {
                    failures++;
                    System.out.println("reset " + i + ": " + e);
                }
                Thread.sleep(pauseMillis);
            }
        }
        System.out.println("resets failures=" + failures);
    }

    /** Many refused connects in a row, to exercise the log's rate limit. */
    private static void burst(int count, long lingerMillis) throws IOException, InterruptedException {
        int port = closedPort();
        int failures = 0;
        for (int i = 0; i < count; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 2_000);
            } catch (IOException e) {
                failures++;
            }
        }
        System.out.println("burst failures=" + failures);
        Thread.sleep(lingerMillis); // give the agent's writer time to log before the JVM exits
    }

    /**
     * Bytes allocated by this thread per successful 64-byte write + read, over Socket streams and
     * over a SocketChannel, after a warm-up. The echo peer runs on another thread and is not counted.
     */
    private static void alloc(int rounds) throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
            Thread peer = new Thread(() -> rawEcho(server, 2), "echo");
            peer.setDaemon(true);
            peer.start();
            byte[] out = new byte[64];
            byte[] in = new byte[64];
            try (Socket socket = new Socket(loopback, server.getLocalPort())) {
                java.io.InputStream input = socket.getInputStream();
                java.io.OutputStream output = socket.getOutputStream();
                long before = 0;
                for (int round = -rounds; round < rounds; round++) {
                    if (round == 0) {
                        before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                    }
                    output.write(out, 0, 64);
                    for (int got = 0; got < 64; ) {
                        got += input.read(in, got, 64 - got);
                    }
                }
                long after = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                System.out.println("socket.bytesPerRoundTrip=" + (after - before) / (double) rounds);
            }
            try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(loopback, server.getLocalPort()))) {
                ByteBuffer write = ByteBuffer.allocateDirect(64);
                ByteBuffer read = ByteBuffer.allocateDirect(64);
                long before = 0;
                for (int round = -rounds; round < rounds; round++) {
                    if (round == 0) {
                        before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                    }
                    write.clear();
                    while (write.hasRemaining()) {
                        channel.write(write);
                    }
                    read.clear();
                    while (read.hasRemaining()) {
                        channel.read(read);
                    }
                }
                long after = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                System.out.println("channel.bytesPerRoundTrip=" + (after - before) / (double) rounds);
            }
            peer.join(10_000);
        }
    }

    private static void rawEcho(ServerSocket server, int connections) {
        byte[] buffer = new byte[4096];
        for (int c = 0; c < connections; c++) {
            try (Socket s = server.accept()) {
                for (int n; (n = s.getInputStream().read(buffer)) > 0; ) {
                    s.getOutputStream().write(buffer, 0, n);
                }
            } catch (IOException e) {
                System.out.println("echo failed: " + e);
            }
        }
    }

    /**
     * A client pool whose server closes every connection while the pool never reads: {@code count}
     * connections opened by the thread "pool-opener" in {@link #openPooled}, closed by the server
     * side, then kept open (never read, never closed) for {@code holdMillis}, so each sits in
     * CLOSE_WAIT. Prints each connection's local address.
     */
    private static void pooledCloseWait(int count, long holdMillis) throws Exception {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        java.util.List<Socket> pool = new java.util.ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
            Thread opener = new Thread(() -> openPooled(pool, new InetSocketAddress(loopback, server.getLocalPort()), count),
                    "pool-opener");
            opener.start();
            opener.join(30_000);
            server.setSoTimeout(10_000);
            for (int i = 0; i < pool.size(); i++) {
                server.accept().close(); // the server's idle timeout: FIN, and the pool does not notice
            }
            for (Socket s : pool) {
                System.out.println("pooled local=127.0.0.1:" + s.getLocalPort() + " remote=127.0.0.1:" + server.getLocalPort());
            }
            System.out.flush();
            Thread.sleep(holdMillis);
        }
        java.lang.ref.Reference.reachabilityFence(pool);
    }

    private static void openPooled(java.util.List<Socket> pool, InetSocketAddress server, int count) {
        try {
            for (int i = 0; i < count; i++) {
                Socket s = new Socket();
                s.connect(server, 5_000);
                pool.add(s);
            }
        } catch (IOException e) {
            System.out.println("pool open failed: " + e);
        }
    }

    /**
     * Bytes allocated by this thread per connection it opens, sees closed by its peer (EOF read)
     * and closes, over Socket and over SocketChannel, after a warm-up of as many: what the
     * connection's open, EOF and close cost on the application's thread. An acceptor thread (not
     * counted) accepts and closes first; this side closes with SO_LINGER 0, so no TIME_WAIT is
     * left behind on either side (that setOption is not counted: it is not part of what is measured,
     * and its hook changes how the JIT compiles it, printed apart as {@code bytesPerSoLinger}).
     */
    private static void churnAlloc(int rounds) throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (ServerSocket server = new ServerSocket(0, 200, loopback)) {
            Thread acceptor = new Thread(() -> closeEach(server, 2 * rounds), "acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            InetSocketAddress address = new InetSocketAddress(loopback, server.getLocalPort());
            byte[] one = new byte[1];
            long before = 0;
            long linger = 0;
            for (int round = -rounds; round < rounds; round++) {
                if (round == 0) {
                    before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                }
                Socket client = new Socket(java.net.Proxy.NO_PROXY); // no SOCKS look-up: the JDK's URI parsing varies with the JIT
                client.connect(address, 5_000);
                client.setSoTimeout(5_000);
                if (client.getInputStream().read(one, 0, 1) != -1) { // read() makes a byte[1] the JIT may or may not remove
                    throw new IOException("expected the peer's FIN");
                }
                long lingerFrom = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                client.setSoLinger(true, 0);
                linger += round < 0 ? 0 : threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - lingerFrom;
                client.close();
            }
            long after = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            System.out.println("socket.bytesPerConnection=" + (after - before - linger) / (double) rounds);
            System.out.println("socket.bytesPerSoLinger=" + linger / (double) rounds);
            acceptor.join(10_000);
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(loopback, 0), 200);
            Thread acceptor = new Thread(() -> closeEach(server, 2 * rounds), "acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            java.net.SocketAddress address = server.getLocalAddress();
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            long before = 0;
            long linger = 0;
            for (int round = -rounds; round < rounds; round++) {
                if (round == 0) {
                    before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                }
                SocketChannel client = SocketChannel.open(address);
                one.clear();
                if (client.read(one) != -1) {
                    throw new IOException("expected the peer's FIN");
                }
                long lingerFrom = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                client.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                linger += round < 0 ? 0 : threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - lingerFrom;
                client.close();
            }
            long after = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            System.out.println("channel.bytesPerConnection=" + (after - before - linger) / (double) rounds);
            System.out.println("channel.bytesPerSoLinger=" + linger / (double) rounds);
            acceptor.join(10_000);
        }
    }

    private static void closeEach(ServerSocket server, int count) {
        try {
            server.setSoTimeout(30_000);
            for (int i = 0; i < count; i++) {
                server.accept().close();
            }
        } catch (IOException e) {
            System.out.println("acceptor failed: " + e);
        }
    }

    private static void closeEach(ServerSocketChannel server, int count) {
        try {
            for (int i = 0; i < count; i++) {
                server.accept().close();
            }
        } catch (IOException e) {
            System.out.println("acceptor failed: " + e);
        }
    }

    /**
     * Opens and closes {@code count} loopback connections (channels, then sockets; the server side
     * closes first, abortively, so that neither side leaves 100 000 TIME_WAIT entries behind to
     * slow down the kernel lookups of the tests that follow), then prints what the agent still
     * tracks, read through its public Session API by reflection (absent without the agent).
     */
    private static void churn(int count) throws Exception {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        long deadline = System.nanoTime() + 120_000_000_000L;
        int done = 0;
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(loopback, 0), 512);
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            for (int i = 0; i < count / 2 && System.nanoTime() < deadline; i++, done++) {
                try (SocketChannel client = SocketChannel.open(address)) {
                    SocketChannel accepted = server.accept();
                    accepted.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                    accepted.close();
                }
            }
        }
        try (ServerSocket server = new ServerSocket(0, 512, loopback)) {
            for (int i = count / 2; i < count && System.nanoTime() < deadline; i++, done++) {
                try (Socket client = new Socket(loopback, server.getLocalPort())) {
                    Socket accepted = server.accept();
                    accepted.setSoLinger(true, 0);
                    accepted.close();
                }
            }
        }
        System.out.println("churn connections=" + done);
        System.err.println("churn took " + (System.nanoTime() - (deadline - 120_000_000_000L)) / 1_000_000 + " ms");
        try {
            Object session = Class.forName("io.socketdoctor.agent.SocketDoctorAgent").getMethod("session").invoke(null);
            System.out.println("tracked=" + session.getClass().getMethod("trackedConnections").invoke(session));
            System.out.println("capacity=" + session.getClass().getMethod("trackedCapacity").invoke(session));
            Object stats = session.getClass().getMethod("stats").invoke(session);
            long opened = 0;
            long closed = 0;
            Class<?> api = Class.forName("io.socketdoctor.classify.Api");
            Class<?> direction = Class.forName("io.socketdoctor.track.ConnectionStats$Direction");
            for (Object a : api.getEnumConstants()) {
                closed += (Long) stats.getClass().getMethod("closedCount", api).invoke(stats, a);
                for (Object d : direction.getEnumConstants()) {
                    opened += (Long) stats.getClass().getMethod("openedCount", api, direction).invoke(stats, a, d);
                }
            }
            System.out.println("opened=" + opened + " closed=" + closed);
        } catch (ClassNotFoundException noAgent) {
            System.out.println("no agent");
        }
    }

    /** The process's first socket failure, between two marker classes that the class-load log shows. */
    private static void firstError() throws Exception {
        int port = closedPort();
        AgentReady.await(); // the agent's warm-up loads classes of its own
        Class.forName(Probe.class.getName() + "$BeforeFirstError");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 2_000);
        } catch (IOException expected) {
            Class.forName(Probe.class.getName() + "$AfterFirstError");
            System.out.println("first error: " + expected);
        }
    }

    static final class BeforeFirstError {
    }

    static final class AfterFirstError {
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            return s.getLocalPort();
        }
    }
}
