package io.socketdoctor.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One method per scenario, named after the scenario in camelCase. The call that fails (read, write,
 * connect, accept, bind, setOption, open) is written out in that method, or in a lambda inside it,
 * so the first application frame of its stack trace names the scenario. Only 127.0.0.1 is used.
 */
final class Scenarios {

    private static final byte[] DATA = "hello\n".getBytes(StandardCharsets.US_ASCII);

    private Scenarios() {
    }

    // The peer aborts the connection (SO_LINGER 0 + close sends RST);
    // our next read finds the reset waiting for it.
    static Result resetDuringRead() throws Exception {
        try (Peer peer = Peer.start(Peer.RESET); Socket socket = peer.connect()) {
            peer.act(); // the peer sends RST now
            pause(100);
            try {
                socket.getInputStream().read();
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // The peer closes normally (FIN). Our first write is still accepted, but the peer's kernel
    // answers it with RST; the writes after that fail.
    static Result writeAfterPeerClose() throws Exception {
        try (Peer peer = Peer.start(Peer.CLOSE); Socket socket = peer.connect()) {
            peer.act(); // the peer sends FIN now
            pause(100);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(DATA);
                pause(100);
                for (int i = 0; i < 20; i++) {
                    out.write(DATA);
                    pause(50);
                }
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // The peer aborts the connection (RST) before we write anything; our writes fail.
    static Result writeAfterReset() throws Exception {
        try (Peer peer = Peer.start(Peer.RESET); Socket socket = peer.connect()) {
            peer.act(); // the peer sends RST now
            pause(100);
            OutputStream out = socket.getOutputStream();
            try {
                for (int i = 0; i < 20; i++) {
                    out.write(DATA);
                    pause(50);
                }
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // Nobody listens on the port: the kernel answers our SYN with RST.
    static Result connectionRefused() throws Exception {
        InetSocketAddress nobody = closedPort();
        try (Socket socket = new Socket()) {
            try {
                socket.connect(nobody, 1000);
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // The peer is connected but never sends a byte; SO_TIMEOUT ends our wait.
    static Result readTimeout() throws Exception {
        try (Peer peer = Peer.start(Peer.SILENT); Socket socket = peer.connect()) {
            socket.setSoTimeout(200);
            try {
                socket.getInputStream().read();
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // The listener never accepts and its accept queue (backlog 1) is full, so Linux drops our SYN;
    // no SYN-ACK comes back before the connect timeout.
    static Result connectTimeout() throws Exception {
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 1, Peer.LOOPBACK); Socket socket = new Socket()) {
            fillAcceptQueue(server.getLocalSocketAddress(), fillers);
            try {
                socket.connect(server.getLocalSocketAddress(), 300);
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        } finally {
            closeAll(fillers);
        }
    }

    // Nobody connects to our listener; its SO_TIMEOUT ends accept().
    static Result acceptTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, Peer.LOOPBACK)) {
            server.setSoTimeout(100);
            try {
                server.accept().close();
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // We closed our own socket and then wrote to a stream we kept from it: nothing reaches the network.
    static Result useAfterClose() throws Exception {
        try (Peer peer = Peer.start(Peer.SILENT)) {
            OutputStream out;
            try (Socket socket = peer.connect()) {
                out = socket.getOutputStream();
            } // the socket is closed here
            try {
                out.write(DATA);
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // Reading from a SocketChannel we closed ourselves.
    static Result channelClosed() throws Exception {
        try (Peer peer = Peer.start(Peer.SILENT)) {
            SocketChannel channel = peer.openChannel();
            channel.close();
            try {
                channel.read(ByteBuffer.allocate(16));
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // A thread blocked in SocketChannel.read is interrupted: the JDK closes the channel to wake it.
    static Result closedByInterrupt() throws Exception {
        try (Peer peer = Peer.start(Peer.SILENT); SocketChannel channel = peer.openChannel()) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread reader = startDaemon(() -> {
                try {
                    channel.read(ByteBuffer.allocate(16));
                    outcome.complete(null);
                } catch (Exception e) {
                    outcome.complete(e);
                }
            });
            pause(100);
            reader.interrupt();
            return outcomeOf(outcome);
        }
    }

    // Another thread closes the SocketChannel while a thread is blocked reading from it.
    static Result asyncClose() throws Exception {
        try (Peer peer = Peer.start(Peer.SILENT)) {
            SocketChannel channel = peer.openChannel();
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            try {
                startDaemon(() -> {
                    try {
                        channel.read(ByteBuffer.allocate(16));
                        outcome.complete(null);
                    } catch (Exception e) {
                        outcome.complete(e);
                    }
                });
                pause(100);
            } finally {
                channel.close(); // while the reader is blocked in read
            }
            return outcomeOf(outcome);
        }
    }

    // A virtual thread blocked in a java.net.Socket read is interrupted: the JDK closes the socket.
    static Result closedByInterruptVirtual() throws Exception {
        if (Runtime.version().feature() < 21) {
            return Result.skipped("virtual threads need JDK 21+");
        }
        try (Peer peer = Peer.start(Peer.SILENT); Socket socket = peer.connect()) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Runnable task = () -> {
                try {
                    socket.getInputStream().read();
                    outcome.complete(null);
                } catch (Exception e) {
                    outcome.complete(e);
                }
            };
            // Thread.startVirtualThread(task), called reflectively because this code compiles for Java 17.
            Thread reader = (Thread) Thread.class.getMethod("startVirtualThread", Runnable.class)
                    .invoke(null, task);
            pause(100);
            reader.interrupt();
            return outcomeOf(outcome);
        }
    }

    // A second socket tries to bind the address a listener already holds.
    static Result addressInUse() throws Exception {
        try (ServerSocket first = new ServerSocket(0, 50, Peer.LOOPBACK); ServerSocket second = new ServerSocket()) {
            second.setReuseAddress(false);
            try {
                second.bind(first.getLocalSocketAddress());
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // A multicast option makes no sense on a TCP socket; the JDK refuses it before any system call.
    static Result unsupportedOption() throws Exception {
        try (Peer peer = Peer.start(Peer.SILENT); Socket socket = peer.connect()) {
            try {
                socket.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
                return Result.none();
            } catch (Exception e) {
                return Result.caught(e);
            }
        }
    }

    // Like reset-during-read, but reading through a SocketChannel.
    static Result channelResetDuringRead() throws Exception {
        try (Peer peer = Peer.start(Peer.RESET); SocketChannel channel = peer.openChannel()) {
            peer.act(); // the peer sends RST now
            pause(100);
            try {
                channel.read(ByteBuffer.allocate(16));
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // Like channel-reset-during-read, with an AsynchronousSocketChannel and a CompletionHandler: the
    // JDK hands the failure (a plain IOException here, not SocketException) to the handler's failed().
    static Result asyncResetDuringRead() throws Exception {
        try (Peer peer = Peer.start(Peer.RESET); AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            channel.connect(peer.address()).get(2, TimeUnit.SECONDS);
            peer.act(); // the peer sends RST now
            pause(100);
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            channel.read(ByteBuffer.allocate(16), null, new CompletionHandler<Integer, Object>() {
                @Override
                public void completed(Integer n, Object attachment) {
                    failed.complete(null);
                }

                @Override
                public void failed(Throwable exc, Object attachment) {
                    failed.complete(exc);
                }
            });
            Throwable exc = failed.get(2, TimeUnit.SECONDS);
            return exc == null ? Result.none() : Result.caught(exc);
        }
    }

    // Like channel-write-after-reset, with an AsynchronousSocketChannel and Futures: the failure is
    // the cause of the ExecutionException that Future.get() throws.
    static Result asyncWriteAfterReset() throws Exception {
        try (Peer peer = Peer.start(Peer.RESET); AsynchronousSocketChannel channel = AsynchronousSocketChannel.open()) {
            channel.connect(peer.address()).get(2, TimeUnit.SECONDS);
            peer.act(); // the peer sends RST now
            pause(100);
            try {
                for (int i = 0; i < 20; i++) {
                    channel.write(ByteBuffer.wrap(DATA)).get(2, TimeUnit.SECONDS);
                    pause(50);
                }
                return Result.none();
            } catch (ExecutionException e) {
                return Result.caught(e.getCause());
            }
        }
    }

    // Like write-after-reset, but writing through a SocketChannel.
    static Result channelWriteAfterReset() throws Exception {
        try (Peer peer = Peer.start(Peer.RESET); SocketChannel channel = peer.openChannel()) {
            peer.act(); // the peer sends RST now
            pause(100);
            try {
                for (int i = 0; i < 20; i++) {
                    channel.write(ByteBuffer.wrap(DATA));
                    pause(50);
                }
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // We sent FIN ourselves (shutdownOutput), then tried to write on the SocketChannel.
    static Result channelWriteAfterShutdown() throws Exception {
        try (Peer peer = Peer.start(Peer.SILENT); SocketChannel channel = peer.openChannel()) {
            channel.shutdownOutput();
            try {
                channel.write(ByteBuffer.wrap(DATA));
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // We sent FIN ourselves (shutdownOutput), then wrote to the socket's OutputStream kept from before.
    static Result socketWriteAfterShutdown() throws Exception {
        try (Peer peer = Peer.start(Peer.SILENT); Socket socket = peer.connect()) {
            OutputStream out = socket.getOutputStream();
            socket.shutdownOutput();
            try {
                for (int i = 0; i < 5; i++) {
                    out.write(DATA);
                    pause(20);
                }
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // Like connection-refused, but connecting a SocketChannel.
    static Result channelConnectionRefused() throws Exception {
        InetSocketAddress nobody = closedPort();
        try (SocketChannel channel = SocketChannel.open()) {
            try {
                channel.connect(nobody);
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // Accepting on a ServerSocketChannel we closed ourselves.
    static Result serverChannelAcceptClosed() throws Exception {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(Peer.LOOPBACK, 0));
        } finally {
            server.close();
        }
        try {
            server.accept();
            return Result.none();
        } catch (IOException e) {
            return Result.caught(e);
        }
    }

    // A TLS client (the JDK's SSLSocket, layered over a connected Socket) meets a server that does not
    // accept its ClientHello: the server resets the connection. The TLS layer reads through the plain
    // Socket, so the reset is diagnosed there, with tls=handshake.
    static Result tlsResetDuringHandshake() throws Exception {
        SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault(); // loads the trust store: slow once
        try (Peer peer = Peer.start(Peer.READ_THEN_RESET); Socket plain = peer.connect()) {
            plain.setSoTimeout(2000);
            try (SSLSocket tls = (SSLSocket) factory.createSocket(plain, "127.0.0.1", peer.address().getPort(), true)) {
                peer.letGo(); // the peer now waits for our ClientHello
                tls.startHandshake();
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // Every socket is a file descriptor; opening sockets until the process limit (EMFILE) fails the next one.
    static Result tooManyOpenFiles() throws Exception {
        long limit = openFileLimit();
        if (limit < 0) {
            return Result.skipped("open-file limit unknown; run with ulimit -n 256");
        }
        if (limit > 4096) {
            String shown = limit == Long.MAX_VALUE ? "unlimited" : Long.toString(limit);
            return Result.skipped("open-file limit " + shown + " too high to reach safely; run with ulimit -n 256");
        }
        List<ServerSocketChannel> opened = new ArrayList<>();
        IOException failure = null;
        try {
            for (long i = 0; i < limit + 10; i++) {
                opened.add(ServerSocketChannel.open());
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            closeAll(opened); // give the descriptors back before doing anything else
        }
        return failure == null ? Result.none() : Result.caught(failure);
    }

    // UDP has no handshake: the datagram to a port where nobody listens is sent, the peer's kernel
    // answers with ICMP port unreachable, and Linux reports it on the NEXT call of the connected
    // channel: here the receive (PortUnreachableException, with a null message).
    static Result udp() throws Exception {
        InetSocketAddress nobody = closedUdpPort();
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(nobody);
            channel.send(ByteBuffer.wrap(DATA), nobody);
            pause(100); // the ICMP answer arrives at once on loopback
            channel.configureBlocking(false); // so a missing ICMP can never block the demo
            ByteBuffer buffer = ByteBuffer.allocate(64);
            try {
                for (int i = 0; i < 20; i++) {
                    if (channel.receive(buffer) != null) {
                        return Result.none();
                    }
                    pause(50);
                }
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // The same with java.net.DatagramSocket (on JDK 17+ an adaptor over a DatagramChannel).
    static Result udpSocket() throws Exception {
        InetSocketAddress nobody = closedUdpPort();
        try (DatagramSocket socket = new DatagramSocket(0, Peer.LOOPBACK)) {
            socket.connect(nobody);
            socket.setSoTimeout(2000); // bounded even if no ICMP came back
            socket.send(new DatagramPacket(DATA, DATA.length));
            pause(100);
            try {
                socket.receive(new DatagramPacket(new byte[64], 64));
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // ---- helpers: setup only, never the failing call ----

    /** A loopback address where nothing listens: bind an ephemeral port, then release it. */
    private static InetSocketAddress closedPort() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, Peer.LOOPBACK)) {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }
    }

    /** A loopback UDP port where nothing listens: bind an ephemeral port, then release it. */
    private static InetSocketAddress closedUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, Peer.LOOPBACK)) {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }
    }

    /**
     * Starts non-blocking connects until the listener's accept queue is full: with backlog 1 Linux
     * queues two connections and drops further SYNs. Non-blocking, so no filler itself fails.
     */
    private static void fillAcceptQueue(SocketAddress address, List<SocketChannel> fillers)
            throws Exception {
        for (int i = 0; i < 4; i++) {
            SocketChannel filler = SocketChannel.open();
            fillers.add(filler);
            filler.configureBlocking(false);
            filler.connect(address);
        }
        pause(50);
    }

    private static Thread startDaemon(Runnable task) {
        Thread thread = new Thread(task, "demo-reader");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** What a reader thread reported, or no exception if it has not finished within 2 s. */
    private static Result outcomeOf(CompletableFuture<Throwable> outcome)
            throws InterruptedException, ExecutionException {
        try {
            Throwable caught = outcome.get(2, TimeUnit.SECONDS);
            return caught == null ? Result.none() : Result.caught(caught);
        } catch (TimeoutException e) {
            return Result.none();
        }
    }

    /** The soft "Max open files" limit from /proc/self/limits, or -1 if it cannot be read. */
    private static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format
        }
        return -1;
    }

    private static void closeAll(List<? extends AutoCloseable> closeables) {
        for (AutoCloseable closeable : closeables) {
            try {
                closeable.close();
            } catch (Exception e) {
                // already failed or closed; nothing more to release
            }
        }
    }

    private static void pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }
}
