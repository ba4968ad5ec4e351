package io.socketdoctor.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The server side of a scenario: a ServerSocket on 127.0.0.1 (ephemeral port) and a daemon thread
 * that accepts one connection and plays its part on it when the scenario calls {@link #act()}, i.e.
 * only after the client's connect has returned. Closing the peer closes everything it opened.
 */
final class Peer implements AutoCloseable {

    /** 127.0.0.1 written out, so nothing ever resolves a name or leaves the machine. */
    static final InetAddress LOOPBACK = loopback();

    /** What the peer does with the connection it accepted. */
    interface Part {
        void play(Socket accepted) throws IOException;
    }

    /** Accept and keep the connection open without ever writing. */
    static final Part SILENT = accepted -> { };

    /** Orderly close: the peer's kernel sends FIN. */
    static final Part CLOSE = Socket::close;

    /** Abortive close: with SO_LINGER 0, close() discards the connection and sends RST. */
    static final Part RESET = accepted -> {
        accepted.setSoLinger(true, 0);
        accepted.close();
    };

    /**
     * Reads what the client sends first (one buffer, at most 2 s), then resets: a server that refuses
     * the client's opening, such as a TLS ClientHello it does not accept. Start it with {@link #letGo()}.
     */
    static final Part READ_THEN_RESET = accepted -> {
        accepted.setSoTimeout(2000);
        accepted.getInputStream().read(new byte[16384]);
        RESET.play(accepted);
    };

    private final ServerSocket server;
    private final Thread thread;
    private final CountDownLatch acceptDone = new CountDownLatch(1);
    private final CountDownLatch go = new CountDownLatch(1);
    private final CountDownLatch played = new CountDownLatch(1);
    private volatile Socket accepted;

    private Peer(Part part) throws IOException {
        server = new ServerSocket(0, 50, LOOPBACK);
        server.setSoTimeout(2000);
        thread = new Thread(() -> serve(part), "demo-peer");
        thread.setDaemon(true);
        thread.start();
    }

    static Peer start(Part part) throws IOException {
        return new Peer(part);
    }

    private void serve(Part part) {
        try {
            try {
                accepted = server.accept();
            } finally {
                acceptDone.countDown();
            }
            if (go.await(2, TimeUnit.SECONDS)) {
                part.play(accepted);
            }
        } catch (IOException | InterruptedException e) {
            // the peer's own trouble is not part of the demo; the scenario reports what its side saw
        } finally {
            played.countDown();
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** A java.net.Socket connected to this peer. */
    Socket connect() throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address(), 1000);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** A blocking SocketChannel connected to this peer. */
    SocketChannel openChannel() throws IOException {
        return SocketChannel.open(address());
    }

    /** Lets the peer play its part now, and waits (at most 2 s) until it has. */
    void act() throws InterruptedException {
        go.countDown();
        played.await(2, TimeUnit.SECONDS);
    }

    /** Lets the peer play its part now, without waiting for it: for a part that waits for this side. */
    void letGo() {
        go.countDown();
    }

    @Override
    public void close() throws IOException {
        try {
            acceptDone.await(1, TimeUnit.SECONDS); // let a pending accept finish instead of failing it
            server.close();
            thread.interrupt(); // a peer still waiting for act() gives up without playing
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        Socket socket = accepted;
        if (socket != null) {
            socket.close();
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
