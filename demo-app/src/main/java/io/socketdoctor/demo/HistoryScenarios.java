package io.socketdoctor.demo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Failures that only make sense with the connection's history: what happened before the
 * exception (an EOF nobody acted on, an idle period, a reset already seen). Run them with
 * {@code idle.after=1s,closewait.after=1s} (scripts/demo.sh does) to see the history in the
 * diagnosis without waiting for the defaults. Only 127.0.0.1 is used.
 */
final class HistoryScenarios {

    private static final byte[] REQUEST = "GET /\n".getBytes(StandardCharsets.US_ASCII);
    /** Longer than the idle.after=1s the demo runs with. */
    private static final long IDLE_MILLIS = 1300;
    /** Longer than closewait.after=1s plus the tracker's one-second sweep. */
    private static final long LEAK_MILLIS = 2600;

    private HistoryScenarios() {
    }

    // The seed article's sequence, seen from a client that did notice the EOF: the peer closes
    // (FIN), our read returns -1, we write anyway (accepted; the peer answers RST), and the next
    // write fails with EPIPE.
    static Result writeAfterEof() throws Exception {
        try (Peer peer = Peer.start(Peer.CLOSE); Socket socket = peer.connect()) {
            peer.act();
            pause(100);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            try {
                int eof = in.read(); // -1: the peer closed
                out.write(REQUEST); // still accepted by our kernel: the peer answers it with RST
                pause(100);
                for (int i = 0; i < 20 && eof < 0; i++) {
                    out.write(REQUEST);
                    pause(50);
                }
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // A read already failed with "Connection reset"; the code writes on the dead connection anyway.
    static Result writeAfterResetSeen() throws Exception {
        try (Peer peer = Peer.start(Peer.RESET); Socket socket = peer.connect()) {
            peer.act();
            pause(100);
            try {
                socket.getInputStream().read();
            } catch (IOException firstFailure) {
                // a careless caller: logs it and carries on with the same socket
            }
            try {
                socket.getOutputStream().write(REQUEST);
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // The connection sits idle in a "pool"; the peer (or a middlebox) drops it with RST after its
    // idle timeout; our next read finds the reset.
    static Result resetAfterIdle() throws Exception {
        try (Peer peer = Peer.start(Peer.RESET); Socket socket = peer.connect()) {
            pause(IDLE_MILLIS);
            peer.act();
            pause(100);
            try {
                socket.getInputStream().read();
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // The classic stale pooled connection: the peer closed it while it was idle; the client sends
    // a request (accepted by the kernel) and reads EOF instead of an answer, which HTTP clients
    // report as "server closed the connection before answering" (NoHttpResponseException & co).
    static Result stalePooledConnection() throws Exception {
        try (Peer peer = Peer.start(Peer.CLOSE); Socket socket = peer.connect()) {
            pause(IDLE_MILLIS);
            peer.act();
            pause(100);
            try {
                socket.getOutputStream().write(REQUEST);
                if (socket.getInputStream().read() < 0) {
                    throw new EOFException("server closed the connection before answering");
                }
                return Result.none();
            } catch (IOException e) {
                return Result.caught(e);
            }
        }
    }

    // The peer closes; we read the EOF but never close our side: the socket stays in CLOSE_WAIT
    // and holds a file descriptor (Socket Doctor reports it after closewait.after). Closed at the end.
    static Result closeWaitLeak() throws Exception {
        try (Peer peer = Peer.start(Peer.CLOSE); Socket socket = peer.connect()) {
            peer.act();
            pause(100);
            if (socket.getInputStream().read() >= 0) {
                return Result.skipped("the peer did not close");
            }
            pause(LEAK_MILLIS); // the leak: EOF seen, socket still open
            return Result.none();
        }
    }

    // We are the server: a client connects and aborts (RST) while the connection waits in our
    // accept queue. Linux still hands it to accept(); the first read finds the reset
    // (BSD-derived stacks report ECONNABORTED from accept instead).
    static Result resetOnFreshAccept() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, Peer.LOOPBACK)) {
            server.setSoTimeout(2000);
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress(Peer.LOOPBACK, server.getLocalPort()), 1000);
                client.setSoLinger(true, 0);
            } // closed with SO_LINGER 0: RST while still queued
            pause(100);
            try (Socket accepted = server.accept()) {
                try {
                    accepted.getInputStream().read();
                    return Result.none();
                } catch (IOException e) {
                    return Result.caught(e);
                }
            }
        }
    }

    private static void pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }
}
