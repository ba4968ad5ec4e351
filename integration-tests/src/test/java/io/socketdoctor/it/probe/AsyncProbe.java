package io.socketdoctor.it.probe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Real loopback failures of {@code AsynchronousSocketChannel} and {@code AsynchronousServerSocketChannel},
 * delivered through CompletionHandlers and Futures; prints one {@code [async] name: caught Class: message}
 * line per scenario (the exception the application got, unwrapped from ExecutionException). With a port
 * argument it then prints the agent's {@code /metrics} lines that mention an async API.
 */
public final class AsyncProbe {

    private static final InetAddress LOOPBACK = loopback();
    private static final long WAIT_SECONDS = 5;

    private AsyncProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("alloc")) {
            alloc(Integer.parseInt(args[1]));
            return;
        }
        report("reset-on-read-handler", resetOnReadHandler());
        report("refused-connect-future", refusedConnectFuture());
        report("read-timeout-handler", readTimeoutHandler());
        report("read-after-timeout", readAfterTimeout());
        report("close-while-reading", closeWhileReading());
        report("accept-on-closed-server", acceptOnClosedServer());
        report("close-while-accepting", closeWhileAccepting());
        report("write-after-reset-future", writeAfterResetFuture());
        System.out.println("[async] eof-reads: " + eofReads());
        if (args.length > 0) {
            Thread.sleep(1000); // let the events thread count the last failures
            for (String line : scrape(Integer.parseInt(args[0])).split("\n")) {
                if (line.contains("api=\"async")) {
                    System.out.println("[metrics] " + line);
                }
            }
        }
    }

    private static void report(String name, Throwable caught) {
        System.out.println("[async] " + name + ": " + (caught == null ? "no exception"
                : "caught " + caught.getClass().getName() + ": " + caught.getMessage()));
    }

    /** A read is pending (CompletionHandler) when the peer aborts with RST: the group thread fails it. */
    static Throwable resetOnReadHandler() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
             AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            channel.connect(server.getLocalSocketAddress()).get(WAIT_SECONDS, TimeUnit.SECONDS);
            try (Socket peer = server.accept()) {
                CompletableFuture<Throwable> outcome = readWithHandler(channel, 0);
                Thread.sleep(200); // the read is pending now
                peer.setSoLinger(true, 0);
                peer.close();
                return outcome.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /** Connect through a Future to a port nobody listens on. */
    static Throwable refusedConnectFuture() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, LOOPBACK)) {
            port = s.getLocalPort();
        }
        try (AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            channel.connect(new InetSocketAddress(LOOPBACK, port)).get(WAIT_SECONDS, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static AsynchronousSocketChannel timedOut;
    private static ServerSocket timedOutServer;
    private static Socket timedOutPeer;

    /** A read with a 200 ms timeout from a peer that never writes: InterruptedByTimeoutException. */
    static Throwable readTimeoutHandler() throws Exception {
        timedOutServer = new ServerSocket(0, 50, LOOPBACK);
        timedOut = AsynchronousSocketChannel.open();
        timedOut.connect(timedOutServer.getLocalSocketAddress()).get(WAIT_SECONDS, TimeUnit.SECONDS);
        timedOutPeer = timedOutServer.accept();
        return readWithHandler(timedOut, 200).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** The next read on that channel is refused, synchronously. */
    static Throwable readAfterTimeout() throws Exception {
        try {
            timedOut.read(ByteBuffer.allocate(16));
            return null;
        } catch (RuntimeException e) {
            return e;
        } finally {
            timedOut.close();
            timedOutPeer.close();
            timedOutServer.close();
        }
    }

    /** Another thread closes the channel while a Future read is pending: AsynchronousCloseException. */
    static Throwable closeWhileReading() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
             AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            channel.connect(server.getLocalSocketAddress()).get(WAIT_SECONDS, TimeUnit.SECONDS);
            try (Socket peer = server.accept()) {
                Future<Integer> read = channel.read(ByteBuffer.allocate(16));
                Thread closer = new Thread(() -> {
                    try {
                        Thread.sleep(200);
                        channel.close();
                    } catch (IOException | InterruptedException e) {
                        // the scenario then reports no exception
                    }
                }, "async-closer");
                closer.start();
                try {
                    read.get(WAIT_SECONDS, TimeUnit.SECONDS);
                    return null;
                } catch (ExecutionException e) {
                    return e.getCause();
                } finally {
                    closer.join(WAIT_SECONDS * 1000);
                }
            }
        }
    }

    /** accept() on a server channel this process closed. */
    static Throwable acceptOnClosedServer() throws Exception {
        AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(LOOPBACK, 0));
        server.close();
        try {
            server.accept().get(WAIT_SECONDS, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** The server channel is closed while an accept (CompletionHandler) is pending. */
    static Throwable closeWhileAccepting() throws Exception {
        AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(LOOPBACK, 0));
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        server.accept(null, new CompletionHandler<AsynchronousSocketChannel, Object>() {
            @Override
            public void completed(AsynchronousSocketChannel result, Object attachment) {
                outcome.complete(null);
            }

            @Override
            public void failed(Throwable exc, Object attachment) {
                outcome.complete(exc);
            }
        });
        Thread.sleep(100);
        server.close();
        return outcome.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** The peer resets; Future writes fail (after at most 20 attempts, 50 ms apart). */
    static Throwable writeAfterResetFuture() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
             AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            channel.connect(server.getLocalSocketAddress()).get(WAIT_SECONDS, TimeUnit.SECONDS);
            try (Socket peer = server.accept()) {
                peer.setSoLinger(true, 0);
                peer.close();
                Thread.sleep(100);
                for (int i = 0; i < 20; i++) {
                    channel.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)))
                            .get(WAIT_SECONDS, TimeUnit.SECONDS);
                    Thread.sleep(50);
                }
                return null;
            } catch (ExecutionException e) {
                return e.getCause();
            }
        }
    }

    /** Accepted with the async server channel; the peer writes 2 bytes and closes: reads give 2, then -1. */
    static String eofReads() throws Exception {
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(LOOPBACK, 0));
             AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            Future<AsynchronousSocketChannel> accepting = server.accept();
            channel.connect(server.getLocalAddress()).get(WAIT_SECONDS, TimeUnit.SECONDS);
            try (AsynchronousSocketChannel accepted = accepting.get(WAIT_SECONDS, TimeUnit.SECONDS)) {
                accepted.write(ByteBuffer.wrap(new byte[] {'h', 'i'})).get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            ByteBuffer buffer = ByteBuffer.allocate(16);
            int first = channel.read(buffer).get(WAIT_SECONDS, TimeUnit.SECONDS);
            int second = channel.read(buffer).get(WAIT_SECONDS, TimeUnit.SECONDS);
            return first + " " + second;
        }
    }

    /**
     * Bytes the calling thread allocates per successful Future read and per Future write of 32 bytes
     * (the JDK allocates its own completed Futures; the agent must add nothing). Deterministic: all
     * the data to read is already in this side's receive buffer (96 KB, well under its size), so
     * every read completes at once on this thread, and the peer drains every write.
     */
    static void alloc(int rounds) throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        int reads = 1500;
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
             AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            channel.connect(server.getLocalSocketAddress()).get(WAIT_SECONDS, TimeUnit.SECONDS);
            try (Socket peer = server.accept()) {
                peer.getOutputStream().write(new byte[2 * reads * 32]);
                Thread.sleep(300);
                ByteBuffer read = ByteBuffer.allocateDirect(32);
                long before = 0;
                for (int round = -reads; round < reads; round++) {
                    if (round == 0) {
                        before = threads.getThreadAllocatedBytes(me);
                    }
                    read.clear();
                    while (read.hasRemaining()) {
                        channel.read(read).get(WAIT_SECONDS, TimeUnit.SECONDS);
                    }
                }
                System.out.println("async.bytesPerRead=" + (threads.getThreadAllocatedBytes(me) - before) / (double) reads);
                Thread drain = new Thread(() -> {
                    byte[] buffer = new byte[4096];
                    try {
                        while (peer.getInputStream().read(buffer) > 0) {
                            // discard
                        }
                    } catch (IOException e) {
                        // closed at the end
                    }
                }, "drain");
                drain.setDaemon(true);
                drain.start();
                ByteBuffer write = ByteBuffer.allocateDirect(32);
                for (int round = -rounds; round < rounds; round++) {
                    if (round == 0) {
                        before = threads.getThreadAllocatedBytes(me);
                    }
                    write.clear();
                    while (write.hasRemaining()) {
                        channel.write(write).get(WAIT_SECONDS, TimeUnit.SECONDS);
                    }
                }
                System.out.println("async.bytesPerWrite=" + (threads.getThreadAllocatedBytes(me) - before) / (double) rounds);
                channel.shutdownOutput();
                drain.join(WAIT_SECONDS * 1000);
            }
        }
    }

    private static CompletableFuture<Throwable> readWithHandler(AsynchronousSocketChannel channel, long timeoutMillis) {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        channel.read(ByteBuffer.allocate(16), timeoutMillis, TimeUnit.MILLISECONDS, null,
                new CompletionHandler<Integer, Object>() {
                    @Override
                    public void completed(Integer n, Object attachment) {
                        outcome.complete(null);
                    }

                    @Override
                    public void failed(Throwable exc, Object attachment) {
                        outcome.complete(exc);
                    }
                });
        return outcome;
    }

    /** GET /metrics from the agent's endpoint, with a plain Socket (HTTP/1.0: the server closes). */
    private static String scrape(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer); n > 0 && out.size() < 4_000_000; n = in.read(buffer)) {
                out.write(buffer, 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
