package io.socketdoctor.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The program every benchmark JVM runs: the workloads named on its command line, one after the
 * other, each with an unmeasured warm-up and then a fixed amount of measured work. Loopback only.
 * Every loop is bounded in count, and in time by {@link #deadline}.
 *
 * <pre>
 * java [configuration flags] -cp socket-doctor-bench.jar io.socketdoctor.bench.Workloads
 *      [--cap-seconds S] name:warmUp:measured ...
 * </pre>
 * A spec {@code hold:N:0} opens N more TCP sockets (N/2 loopback connections) and keeps them open
 * until the JVM ends, so that the workloads after it run in a process, and on a host, with many
 * sockets (what a per-failure look-up of the kernel's connection table has to scan).
 * <pre>
 * </pre>
 *
 * Output, on stdout, for the driver ({@link Bench}) to parse:
 * <pre>
 * env agent=on hooksMissing=0 jfr=off java=17.0.21.1+2
 * result pingpong-socket-1 ops=20000 nanos=812345678 allocBytes=0 capped=0
 * </pre>
 */
public final class Workloads {

    static final InetAddress LOOPBACK = loopback();
    private static final int MESSAGE = 64;
    private static final int CHUNK = 64 * 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Wall-clock limit of one workload's measured phase; a run that reaches it says capped=1. */
    private static long capNanos = TimeUnit.SECONDS.toNanos(20);
    private static volatile long deadline;
    /** attach-target: stays up until this file exists (the driver's attach has returned), at most 60 s. */
    private static java.nio.file.Path doneFile;

    private Workloads() {
    }

    public static void main(String[] args) throws Exception {
        List<String> specs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--cap-seconds")) {
                capNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[++i]));
            } else if (args[i].equals("--done-file")) {
                doneFile = java.nio.file.Paths.get(args[++i]);
            } else {
                specs.add(args[i]);
            }
        }
        System.out.println("env " + environment());
        if (AgentReady.agentPresent() && AgentReady.awaitFirstDiagnosis(30_000) < 0) {
            throw new IllegalStateException("the agent diagnosed nothing within 30 s");
        }
        List<AutoCloseable> held = new ArrayList<>();
        try {
            for (String spec : specs) {
                String[] parts = spec.split(":");
                String name = parts[0];
                long warmUp = Long.parseLong(parts[1]);
                long measured = Long.parseLong(parts[2]);
                if (name.equals("hold")) {
                    held.addAll(holdSockets((int) warmUp));
                    continue;
                }
                Map<String, Object> result = run(name, warmUp, measured);
                StringBuilder line = new StringBuilder("result ").append(name);
                result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
                System.out.println(line);
                System.out.flush();
            }
        } finally {
            for (AutoCloseable c : held) {
                c.close();
            }
        }
        System.exit(0);
    }

    static Map<String, Object> run(String name, long warmUp, long measured) throws Exception {
        deadline = Long.MAX_VALUE;
        phaseOver = new CountDownLatch(1);
        try {
            return dispatch(name, warmUp, measured);
        } finally {
            phaseOver.countDown();
        }
    }

    private static Map<String, Object> dispatch(String name, long warmUp, long measured) throws Exception {
        return switch (name) {
            case "pingpong-socket-1", "pingpong-channel-1" -> pingPong(transportOf(name), 1, warmUp, measured);
            case "pingpong-socket-4", "pingpong-channel-4" -> pingPong(transportOf(name), 4, warmUp, measured);
            case "bulk-socket", "bulk-channel" -> bulk(transportOf(name), warmUp, measured);
            case "churn-socket", "churn-channel" -> churn(transportOf(name), warmUp, measured);
            case "zero-socket-write", "zero-channel-write" -> zeroLength(transportOf(name), true, warmUp, measured);
            case "zero-socket-read", "zero-channel-read" -> zeroLength(transportOf(name), false, warmUp, measured);
            case "error-refused" -> refused(SocketTransport.INSTANCE, warmUp, measured);
            case "error-reset" -> reset(SocketTransport.INSTANCE, warmUp, measured);
            case "attach-target" -> attachTarget(warmUp, measured);
            default -> throw new IllegalArgumentException("unknown workload " + name);
        };
    }

    /** The transport a workload's name names in its second word: pingpong-channel-4 runs over channels. */
    private static Transport<?> transportOf(String workload) {
        return Transport.named(workload.split("-")[1]);
    }

    // ---------------------------------------------------------------- environment

    /** Whether Socket Doctor and JFR are really on in this JVM: the driver refuses runs that lie. */
    static String environment() {
        String agent = "off";
        String missing = "-";
        try {
            Class<?> main = Class.forName("io.socketdoctor.agent.SocketDoctorAgent", false,
                    ClassLoader.getSystemClassLoader());
            Method sessionMethod = main.getMethod("session");
            Object session = sessionMethod.invoke(null);
            if (session != null) {
                agent = "on";
                try {
                    List<?> hooks = (List<?>) session.getClass().getMethod("missingHooks").invoke(session);
                    missing = String.valueOf(hooks.size());
                } catch (ReflectiveOperationException e) {
                    missing = "?";
                }
            } else {
                agent = "loaded-but-off";
            }
        } catch (ClassNotFoundException e) {
            agent = "off";
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            agent = "unknown";
        }
        boolean jfr = jdk.jfr.FlightRecorder.isInitialized()
                && !jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings().isEmpty();
        return "agent=" + agent + " hooksMissing=" + missing + " jfr=" + (jfr ? "on" : "off")
                + " java=" + System.getProperty("java.runtime.version");
    }

    // ---------------------------------------------------------------- ping-pong

    /*
     * Each workload below is written once and runs over the transport its name names. The transport
     * calls in a measured loop are interface calls: the streams and churn groups run both transports
     * in one JVM, one after the other, so such a call site sees at most two classes (C2 inlines both
     * behind a class check, never a megamorphic call), and the first transport's figures are taken
     * before the second one has run at all. That check is nothing beside a loopback round trip or a
     * connection; the zero-length calls, where it would not be, loop inside the transport.
     */

    private static <B> Map<String, Object> pingPong(Transport<B> transport, int connections, long warmUp,
                                                    long measured) throws Exception {
        try (Transport.Listener<B> server = transport.listen(50)) {
            List<Transport.Connection<B>> clients = new ArrayList<>();
            List<Thread> echoes = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                Transport.Connection<B> client = transport.connectNoDelay(server.address());
                Transport.Connection<B> accepted = server.accept();
                accepted.setNoDelay();
                clients.add(client);
                echoes.add(daemon("echo-" + c, () -> echo(transport, accepted)));
            }
            Task[] tasks = new Task[connections];
            for (int c = 0; c < connections; c++) {
                Transport.Connection<B> client = clients.get(c);
                B message = transport.buffer(MESSAGE);
                B reply = transport.buffer(MESSAGE);
                tasks[c] = count -> {
                    for (long i = 0; i < count; i++) {
                        transport.tag(message, (byte) i);
                        client.writeFully(message);
                        if (!client.readFully(reply)) {
                            throw new IOException("EOF from the echo peer");
                        }
                        if ((i & 255) == 0 && System.nanoTime() > deadline) {
                            return i + 1;
                        }
                    }
                    return count;
                };
            }
            Map<String, Object> result = measureInThreads(tasks, warmUp, measured);
            for (Transport.Connection<B> client : clients) {
                client.close();
            }
            joinAll(echoes);
            return result;
        }
    }

    private static <B> void echo(Transport<B> transport, Transport.Connection<B> peer) {
        try (peer) {
            B buffer = transport.buffer(MESSAGE);
            while (peer.readFully(buffer)) {
                peer.writeFully(buffer);
            }
        } catch (IOException e) {
            System.out.println("note echo failed: " + e);
        }
    }

    // ---------------------------------------------------------------- bulk

    /** 64 KiB writes; the peer reads and discards. Warm-up and measurement use separate connections. */
    private static <B> Map<String, Object> bulk(Transport<B> transport, long warmUp, long measured) throws Exception {
        try (Transport.Listener<B> server = transport.listen(50)) {
            B chunk = transport.buffer(CHUNK);
            Task task = count -> {
                try (Transport.Connection<B> client = transport.connect(server.address())) {
                    Transport.Connection<B> accepted = server.accept();
                    CountDownLatch drained = new CountDownLatch(1);
                    AtomicLong received = new AtomicLong();
                    daemon("sink", () -> {
                        received.set(sink(transport, accepted));
                        drained.countDown();
                        lingerUntilMeasured();
                    });
                    long i = 0;
                    for (; i < count; i++) {
                        client.writeFully(chunk);
                        if ((i & 15) == 0 && System.nanoTime() > deadline) {
                            i++;
                            break;
                        }
                    }
                    client.shutdownOutput();
                    awaitOrFail(drained);
                    if (received.get() != i * CHUNK) {
                        throw new IOException("sink received " + received.get() + " bytes, sent " + i * CHUNK);
                    }
                    return i;
                }
            };
            return measureInThreads(new Task[] {task}, warmUp, measured);
        }
    }

    private static <B> long sink(Transport<B> transport, Transport.Connection<B> peer) {
        long total = 0;
        try (peer) {
            B buffer = transport.buffer(CHUNK);
            for (int n; (n = peer.read(buffer)) >= 0; ) {
                total += n;
            }
        } catch (IOException e) {
            System.out.println("note sink failed: " + e);
        }
        return total;
    }

    // ---------------------------------------------------------------- churn

    /**
     * Connect, see the server's FIN, close. The server closes first, so TIME_WAIT stays on the
     * server's side of each connection and the client's ephemeral ports are free again at once.
     */
    private static <B> Map<String, Object> churn(Transport<B> transport, long warmUp, long measured) throws Exception {
        try (Transport.Listener<B> server = transport.listen(200)) {
            Thread acceptor = daemon("acceptor", () -> {
                try {
                    for (long i = 0; i < warmUp + measured; i++) {
                        server.closeNext();
                    }
                } catch (IOException e) {
                    System.out.println("note acceptor stopped: " + e);
                }
                lingerUntilMeasured();
            });
            InetSocketAddress address = server.address();
            B oneByte = transport.buffer(1);
            Task task = count -> {
                for (long i = 0; i < count; i++) {
                    if (transport.connectReadClose(address, oneByte) != -1) {
                        throw new IOException("expected the server's FIN");
                    }
                    if ((i & 63) == 0 && System.nanoTime() > deadline) {
                        return i + 1;
                    }
                }
                return count;
            };
            Map<String, Object> result = measureInThreads(new Task[] {task}, warmUp, measured);
            acceptor.join(5_000);
            return result;
        }
    }

    // ---------------------------------------------------------------- errors

    /** Connection refused: a connect to a loopback port nobody listens on. */
    private static <B> Map<String, Object> refused(Transport<B> transport, long warmUp, long measured) throws Exception {
        InetSocketAddress closed = new InetSocketAddress(LOOPBACK, closedPort());
        AtomicReference<Throwable> last = new AtomicReference<>();
        Task task = count -> {
            for (long i = 0; i < count; i++) {
                last.set(refuse(transport, closed));
                if ((i & 63) == 0 && System.nanoTime() > deadline) {
                    return i + 1;
                }
            }
            return count;
        };
        Map<String, Object> result = measureInThreads(new Task[] {task}, warmUp, measured);
        result.put("enriched", enriched(last.get()));
        return result;
    }

    /** Connection reset: the peer accepts and closes with SO_LINGER 0, the client's read gets the RST. */
    private static <B> Map<String, Object> reset(Transport<B> transport, long warmUp, long measured) throws Exception {
        try (Transport.Listener<B> server = transport.listen(200)) {
            Thread acceptor = daemon("resetter", () -> {
                try {
                    for (long i = 0; i < warmUp + measured; i++) {
                        server.resetNext();
                    }
                } catch (IOException e) {
                    System.out.println("note resetter stopped: " + e);
                }
                lingerUntilMeasured();
            });
            InetSocketAddress address = server.address();
            B oneByte = transport.buffer(1);
            AtomicReference<Throwable> last = new AtomicReference<>();
            Task task = count -> {
                for (long i = 0; i < count; i++) {
                    try {
                        int b = transport.connectReadClose(address, oneByte);
                        throw new IllegalStateException("read returned " + b + " instead of a reset");
                    } catch (SocketException expected) {
                        last.set(expected);
                    }
                    if ((i & 63) == 0 && System.nanoTime() > deadline) {
                        return i + 1;
                    }
                }
                return count;
            };
            Map<String, Object> result = measureInThreads(new Task[] {task}, warmUp, measured);
            acceptor.join(5_000);
            result.put("enriched", enriched(last.get()));
            result.put("message", String.valueOf(last.get() == null ? null : last.get().getMessage())
                    .replace(' ', '_'));
            return result;
        }
    }

    /**
     * A JVM that the driver attaches the agent to: after a warm-up of refused connects it prints
     * "ready", then keeps failing (one refused connect every 0.2 ms) until a failure comes back
     * diagnosed, and reports when (System.nanoTime, comparable with the driver's clock).
     */
    private static Map<String, Object> attachTarget(long warmUp, long maxSeconds) throws Exception {
        InetSocketAddress closed = new InetSocketAddress(LOOPBACK, closedPort());
        for (long i = 0; i < warmUp; i++) {
            refuse(SocketTransport.INSTANCE, closed);
        }
        System.out.println("ready");
        System.out.flush();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(maxSeconds);
        long attempts = 0;
        long first = -1;
        while (System.nanoTime() < end) {
            attempts++;
            if (enriched(refuse(SocketTransport.INSTANCE, closed)) == 1) {
                first = System.nanoTime();
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
        long elapsed = System.nanoTime() - start;
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (doneFile != null && !java.nio.file.Files.exists(doneFile) && System.nanoTime() < waitUntil) {
            Thread.sleep(10);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ops", attempts);
        result.put("nanos", elapsed);
        result.put("firstDiagnosis", first);
        return result;
    }

    /** One connect that must be refused; the connect closes what it opened, as try-with-resources would. */
    private static <B> ConnectException refuse(Transport<B> transport, InetSocketAddress closed) throws IOException {
        try (Transport.Connection<B> connected = transport.connect(closed)) {
            throw new IllegalStateException("connected to " + closed + ": something listens there now");
        } catch (ConnectException expected) {
            return expected;
        }
    }

    private static int enriched(Throwable t) {
        if (t == null) {
            return 0;
        }
        for (Throwable s : t.getSuppressed()) {
            if (String.valueOf(s.getMessage()).startsWith("[socket-doctor]")) {
                return 1;
            }
        }
        return String.valueOf(t.getMessage()).contains("[socket-doctor") ? 1 : 0;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    // ---------------------------------------------------------------- zero-length calls

    /**
     * Zero-length reads and writes enter the instrumented JDK methods and return without a system
     * call (NioSocketImpl returns early for len 0, IOUtil for an empty buffer), so the time per call
     * is the JDK's bookkeeping plus whatever the instrumentation adds: the agent's own cost, in ns.
     * Reported as the median of 10 equal batches.
     */
    private static <B> Map<String, Object> zeroLength(Transport<B> transport, boolean write, long warmUp,
                                                      long measured) throws Exception {
        // The peer only accepts; it is a channel whichever API is measured, as it always was.
        try (Transport.Listener<ByteBuffer> server = ChannelTransport.INSTANCE.listen(50)) {
            Transport.Connection<B> client = transport.connect(server.address());
            Transport.Connection<ByteBuffer> accepted = server.accept();
            try {
                B empty = transport.buffer(0);
                Task task = write ? count -> {
                    check(client.writeEmpty(empty, count));
                    return count;
                } : count -> {
                    check(client.readEmpty(empty, count));
                    return count;
                };
                task.run(warmUp);
                int batches = 10;
                long perBatch = Math.max(1, measured / batches);
                long[] nanos = new long[batches];
                long cpu0 = processCpuNanos();
                long allocBefore = THREADS.getCurrentThreadAllocatedBytes();
                long total = 0;
                long start = System.nanoTime();
                deadline = start + capNanos;
                int done = 0;
                for (; done < batches; done++) {
                    long t0 = System.nanoTime();
                    task.run(perBatch);
                    nanos[done] = System.nanoTime() - t0;
                    total += perBatch;
                    if (System.nanoTime() > deadline) {
                        done++;
                        break;
                    }
                }
                long elapsed = System.nanoTime() - start;
                long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocBefore;
                long cpu = processCpuNanos() - cpu0;
                long[] used = Arrays.copyOf(nanos, done);
                Arrays.sort(used);
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("ops", total);
                result.put("nanos", elapsed);
                result.put("nsPerCall", String.format(java.util.Locale.ROOT, "%.3f",
                        used[used.length / 2] / (double) perBatch));
                result.put("cpuNanos", cpu);
                result.put("allocBytes", allocated);
                result.put("capped", done < batches ? 1 : 0);
                return result;
            } finally {
                client.close();
                accepted.close();
            }
        }
    }

    private static void check(long sum) {
        if (sum != 0) {
            throw new IllegalStateException("a zero-length call returned " + sum);
        }
    }

    // ---------------------------------------------------------------- holding sockets

    /** Keeps {@code count} TCP sockets open (count/2 loopback connections) while the workloads run. */
    private static List<AutoCloseable> holdSockets(int count) throws IOException {
        List<AutoCloseable> held = new ArrayList<>();
        if (count <= 0) {
            return held;
        }
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(LOOPBACK, 0), 1024);
        held.add(server);
        for (int i = 0; i < count / 2; i++) {
            held.add(SocketChannel.open(server.getLocalAddress()));
            held.add(server.accept());
        }
        System.out.println("note holding " + (held.size() - 1) + " TCP sockets");
        return held;
    }

    // ---------------------------------------------------------------- measuring

    /** Does {@code count} units of work and returns how many it did (fewer only past the deadline). */
    @FunctionalInterface
    interface Task {
        long run(long count) throws Exception;
    }

    /**
     * Runs each task on its own thread: first the warm-up count (not measured), then, after all
     * threads are warm, the measured count. Time is from the common start to the last thread's end;
     * allocation is what the measuring threads allocated during the measured part; CPU is what all
     * threads of the process used meanwhile (so every thread stays alive until it is read).
     */
    static Map<String, Object> measureInThreads(Task[] tasks, long warmUp, long measured) throws Exception {
        int n = tasks.length;
        CyclicBarrier start = new CyclicBarrier(n + 1);
        CountDownLatch finished = new CountDownLatch(n);
        long[] done = new long[n];
        long[] allocated = new long[n];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int index = t;
            Thread thread = new Thread(() -> {
                try {
                    if (warmUp > 0) {
                        tasks[index].run(warmUp);
                    }
                    start.await(60, TimeUnit.SECONDS);
                    long before = THREADS.getCurrentThreadAllocatedBytes();
                    done[index] = tasks[index].run(measured);
                    allocated[index] = THREADS.getCurrentThreadAllocatedBytes() - before;
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    start.reset();
                } finally {
                    finished.countDown();
                }
                lingerUntilMeasured();
            }, "measured-" + t);
            threads.add(thread);
            thread.start();
        }
        try {
            start.await(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.BrokenBarrierException e) {
            throw new IllegalStateException("a measured thread failed", failure.get());
        }
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        deadline = t0 + capNanos;
        finished.await(TimeUnit.NANOSECONDS.toMillis(capNanos) + 60_000, TimeUnit.MILLISECONDS);
        long elapsed = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        phaseOver.countDown();
        joinAll(threads);
        if (failure.get() != null) {
            throw new IllegalStateException("a measured thread failed", failure.get());
        }
        long ops = Arrays.stream(done).sum();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ops", ops);
        result.put("nanos", elapsed);
        result.put("cpuNanos", cpu);
        result.put("allocBytes", Arrays.stream(allocated).sum());
        result.put("capped", ops < measured * n ? 1 : 0);
        return result;
    }

    /** Counted down when a workload's measurement is taken; helper threads wait for it before ending. */
    private static volatile CountDownLatch phaseOver = new CountDownLatch(0);

    /**
     * Helper and measuring threads call this last: a thread that ended during the measured part
     * would take its CPU time with it (the per-thread counters disappear with the thread).
     */
    static void lingerUntilMeasured() {
        try {
            phaseOver.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * CPU time of all threads of this process (Java, GC, JIT, agent, JFR), in ns: the sum of
     * {@code /proc/self/task/<tid>/schedstat}. Off Linux, the process's CPU time in clock ticks.
     */
    static long processCpuNanos() {
        long total = 0;
        try (java.nio.file.DirectoryStream<java.nio.file.Path> tasks =
                     java.nio.file.Files.newDirectoryStream(java.nio.file.Paths.get("/proc/self/task"))) {
            for (java.nio.file.Path task : tasks) {
                try {
                    String line = java.nio.file.Files.readString(task.resolve("schedstat"));
                    total += Long.parseLong(line.substring(0, line.indexOf(' ')));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended while we looked
                }
            }
            return total;
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
        }
    }

    private static void awaitOrFail(CountDownLatch latch) throws Exception {
        if (!latch.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the peer did not finish within 60 s");
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
