package io.socketdoctor.it.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.CRC32;

/**
 * Programs for {@code SafetyIT}: a host the agent must never break. Loopback only; every loop is
 * bounded in count, every wait in time. Each prints what the host saw (exception class and
 * message), so a run with the agent can be compared line by line with a run without it.
 */
public final class SafetyProbe {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private SafetyProbe() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "faults" -> faults(false);
            case "faults-event-first" -> faults(true);
            case "logging" -> logging(Integer.parseInt(args[1]));
            case "load" -> load(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
            case "memory" -> memory(Integer.parseInt(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    // ---------------------------------------------------------------- faults

    /**
     * The error path first (an unconnected socket, so the handler's first call is onError), then a
     * set of real failures and a healthy exchange. Exit code 7.
     */
    private static void faults(boolean eventFirst) throws Exception {
        if (eventFirst) {
            System.out.println("healthy crc=" + healthyExchange()); // opens connections: onEvent first
        }
        try (Socket unconnected = new Socket()) {
            caught("unconnected getInputStream", () -> unconnected.getInputStream());
        }
        try (SocketChannel unbound = SocketChannel.open()) {
            caught("unconnected channel read", () -> unbound.read(ByteBuffer.allocate(1)));
        }
        int closedPort = closedPort();
        caught("refused", () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(LOOPBACK, closedPort), 5_000);
            }
        });
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            caught("reset during read", () -> resetRead(server));
            caught("read timeout", () -> {
                try (Socket s = new Socket()) {
                    s.connect(server.getLocalSocketAddress(), 5_000);
                    s.setSoTimeout(200);
                    try (Socket accepted = server.accept()) {
                        s.getInputStream().read();
                    }
                }
            });
        }
        Socket closed = new Socket();
        closed.close();
        caught("closed socket", () -> closed.getOutputStream());
        SocketChannel closedChannel = SocketChannel.open();
        closedChannel.close();
        caught("closed channel", () -> closedChannel.read(ByteBuffer.allocate(1)));
        System.out.println("healthy crc=" + healthyExchange());
        System.out.flush();
        System.exit(7);
    }

    /** A port that was just free: nothing listens on it. */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    /** Connects, the peer aborts with RST, then reads: "Connection reset". */
    private static void resetRead(ServerSocket server) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server.getLocalSocketAddress(), 10_000);
            s.setSoTimeout(10_000);
            try (Socket accepted = server.accept()) {
                accepted.setSoLinger(true, 0);
            }
            s.getInputStream().read();
        }
    }

    private static long healthyExchange() throws Exception {
        CRC32 crc = new CRC32();
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            server.setSoTimeout(10_000);
            Thread echo = new Thread(() -> {
                try (Socket peer = server.accept()) {
                    peer.getInputStream().transferTo(peer.getOutputStream());
                } catch (IOException e) {
                    System.out.println("echo failed: " + e);
                }
            }, "echo");
            echo.setDaemon(true);
            echo.start();
            try (Socket s = new Socket()) {
                s.connect(server.getLocalSocketAddress(), 5_000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                for (int i = 0; i < 100; i++) {
                    out.write(i);
                    crc.update(in.read());
                }
            }
            echo.join(10_000);
        }
        return crc.getValue();
    }

    private interface Action {
        void run() throws Exception;
    }

    private static void caught(String what, Action action) {
        try {
            action.run();
            System.out.println(what + ": no exception");
        } catch (Throwable t) {
            System.out.println(what + ": caught " + t.getClass().getName() + ": " + t.getMessage());
        }
        System.out.flush();
    }

    // ---------------------------------------------------------------- logging over TCP

    /**
     * The host's own logging is a JUL handler that sends every record over TCP to a collector on
     * loopback, and also tries a socket whose peer reset it (so logging itself fails on a socket);
     * meanwhile the host's sockets fail {@code n} times and it logs each failure. Prints how many
     * host lines it logged and how many the collector received, and how many agent lines it got.
     */
    private static void logging(int n) throws Exception {
        ServerSocket collector = new ServerSocket(0, 50, LOOPBACK);
        collector.setSoTimeout(10_000);
        AtomicInteger hostLines = new AtomicInteger();
        AtomicInteger agentLines = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try (Socket peer = collector.accept()) {
                peer.setSoTimeout(30_000);
                var in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("host ")) {
                        hostLines.incrementAndGet();
                    } else if (line.contains("[socket-doctor]") || line.contains("socket-doctor")) {
                        agentLines.incrementAndGet();
                    }
                }
            } catch (IOException e) {
                System.out.println("collector failed: " + e);
            }
        }, "collector");
        reader.start();
        Socket logSocket = new Socket();
        logSocket.connect(collector.getLocalSocketAddress(), 5_000);
        OutputStream logOut = logSocket.getOutputStream();
        // A second destination that is dead: its peer aborted, so writes to it fail.
        ServerSocket deadServer = new ServerSocket(0, 50, LOOPBACK);
        Socket dead = new Socket();
        dead.connect(deadServer.getLocalSocketAddress(), 5_000);
        try (Socket accepted = deadServer.accept()) {
            accepted.setSoLinger(true, 0);
        }
        deadServer.close();
        OutputStream deadOut = dead.getOutputStream();
        LongAdder deadFailures = new LongAdder();
        Handler tcp = new Handler() {
            @Override
            public synchronized void publish(LogRecord record) {
                String text = record.getMessage();
                if (record.getParameters() != null && record.getParameters().length > 0) {
                    text = java.text.MessageFormat.format(text, record.getParameters());
                }
                byte[] bytes = (text.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
                try {
                    logOut.write(bytes);
                    logOut.flush();
                } catch (IOException e) {
                    reportError("collector", e, 0);
                }
                try {
                    deadOut.write(bytes);
                } catch (IOException e) {
                    deadFailures.increment();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(tcp);
        Logger log = Logger.getLogger("host");
        int closedPort = closedPort();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < n && System.nanoTime() < deadline; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(LOOPBACK, closedPort), 5_000);
            } catch (IOException e) {
                log.log(Level.WARNING, "host " + i + " " + e.getClass().getName() + ": " + e.getMessage());
            }
        }
        Thread.sleep(1_500); // the agent's writer thread logs asynchronously
        synchronized (tcp) {
            logSocket.shutdownOutput();
        }
        reader.join(30_000);
        logSocket.close();
        dead.close();
        collector.close();
        System.out.println("logged=" + n + " received=" + hostLines.get() + " collector-alive=" + reader.isAlive());
        System.out.println("dead-destination failures seen by the handler: " + (deadFailures.sum() > 0));
        System.err.println("agent-lines=" + agentLines.get());
    }

    // ---------------------------------------------------------------- load

    /**
     * {@code platform} platform threads and {@code virtual} virtual threads (JDK 21+; started
     * reflectively) each run a fixed mix of failing socket calls: refused connects, resets during
     * read, closed sockets, closed channels. Prints the multiset of what they caught, sorted.
     * Exits 1 if the work does not finish within {@code millis}.
     */
    private static void load(int platform, int virtual, long millis) throws Exception {
        int closedPort = closedPort();
        ServerSocket resetter = new ServerSocket(0, 4096, LOOPBACK);
        Thread acceptor = new Thread(() -> {
            while (!resetter.isClosed()) {
                try {
                    Socket s = resetter.accept();
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException e) {
                    // closed at the end
                }
            }
        }, "resetter");
        acceptor.setDaemon(true);
        acceptor.start();
        Map<String, LongAdder> seen = new ConcurrentHashMap<>();
        Semaphore resets = new Semaphore(64);
        CountDownLatch done = new CountDownLatch(platform + virtual);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < platform; t++) {
            Thread thread = new Thread(() -> work(15, closedPort, resetter, resets, seen, done), "load-" + t);
            thread.setDaemon(true);
            threads.add(thread);
        }
        if (virtual > 0) {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            java.lang.reflect.Method unstarted = Class.forName("java.lang.Thread$Builder")
                    .getMethod("unstarted", Runnable.class);
            for (int t = 0; t < virtual; t++) {
                threads.add((Thread) unstarted.invoke(builder,
                        (Runnable) () -> work(3, closedPort, resetter, resets, seen, done)));
            }
        }
        if (virtual > 0) {
            // A canary: one virtual thread sleeps inside a class initializer, which pins it on every
            // JDK, so a recording that sees no pinning at all proves it was recording.
            Thread canary = (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class)
                    .invoke(Thread.class.getMethod("ofVirtual").invoke(null), (Runnable) () -> Pinner.touch());
            canary.join(10_000);
        }
        long start = System.nanoTime();
        for (Thread thread : threads) {
            thread.start();
        }
        boolean finished = done.await(millis, TimeUnit.MILLISECONDS);
        long took = (System.nanoTime() - start) / 1_000_000;
        resetter.close();
        Map<String, Long> sorted = new TreeMap<>();
        seen.forEach((k, v) -> sorted.put(k, v.sum()));
        sorted.forEach((k, v) -> System.out.println(v + " x " + k));
        System.out.println("finished=" + finished);
        System.err.println("load took " + took + " ms");
        System.out.flush();
        System.exit(finished ? 0 : 1);
    }

    /** Sleeps in its static initializer: the canary's pinning. */
    static final class Pinner {
        static {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static void touch() {
        }
    }

    private static void work(int ops, int closedPort, ServerSocket resetter, Semaphore resets,
                             Map<String, LongAdder> seen, CountDownLatch done) {
        try {
            for (int i = 0; i < ops; i++) {
                try {
                    switch (i % 4) {
                        case 0 -> {
                            try (Socket s = new Socket()) {
                                s.connect(new InetSocketAddress(LOOPBACK, closedPort), 20_000);
                            }
                        }
                        case 1 -> {
                            resets.acquire();
                            try (Socket s = new Socket()) {
                                s.connect(resetter.getLocalSocketAddress(), 20_000);
                                s.setSoTimeout(20_000);
                                s.getInputStream().read();
                            } finally {
                                resets.release();
                            }
                        }
                        case 2 -> {
                            Socket s = new Socket();
                            s.close();
                            s.getInputStream();
                        }
                        default -> {
                            SocketChannel c = SocketChannel.open();
                            c.close();
                            c.read(ByteBuffer.allocate(1));
                        }
                    }
                    seen.computeIfAbsent("no exception", k -> new LongAdder()).increment();
                } catch (Exception e) {
                    seen.computeIfAbsent(e.getClass().getName() + ": " + e.getMessage(), k -> new LongAdder())
                            .increment();
                }
            }
        } finally {
            done.countDown();
        }
    }

    // ---------------------------------------------------------------- memory

    /**
     * {@code n} cheap failures (reads on a closed channel, reads on a closed socket's stream) in a
     * tight loop; prints the heap retained across them (after GC), in KB, to stderr, and how many
     * failed to stdout.
     */
    private static void memory(int n) throws Exception {
        SocketChannel channel = SocketChannel.open();
        channel.close();
        ByteBuffer buffer = ByteBuffer.allocate(1);
        Socket socket = new Socket(); // never connected: getInputStream fails
        socket.close();
        long failures = fail(channel, buffer, socket, 20_000); // warm up (classes, JIT)
        long before = usedAfterGc();
        long start = System.nanoTime();
        failures += fail(channel, buffer, socket, n);
        long took = (System.nanoTime() - start) / 1_000_000;
        Thread.sleep(1_000); // let the agent's writer drain what it queued
        long after = usedAfterGc();
        System.out.println("failures=" + failures);
        System.err.println("memory: " + n + " failures in " + took + " ms, retained-kb=" + (after - before) / 1024);
    }

    private static long fail(SocketChannel channel, ByteBuffer buffer, Socket socket, int n) {
        long failures = 0;
        for (int i = 0; i < n; i++) {
            try {
                if ((i & 1) == 0) {
                    channel.read(buffer);
                } else {
                    socket.getInputStream();
                }
            } catch (IOException e) {
                failures++;
            }
        }
        return failures;
    }

    private static long usedAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            best = Math.min(best, memory.getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
