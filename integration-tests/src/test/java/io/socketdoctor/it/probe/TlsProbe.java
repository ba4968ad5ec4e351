package io.socketdoctor.it.probe;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyStore;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS failures over real loopback sockets, for {@code TlsIT}: each scenario prints what the
 * application caught ({@code <scenario>: caught <class>: <message> | cause <class>: <message>}), so
 * the test can compare the output with and without the agent. The key store is made by the test
 * (keytool of the running JDK) and named by {@code args[0]}; its password is {@code args[1]}.
 * Every wait is bounded.
 */
public final class TlsProbe {

    private static final InetAddress LOOPBACK = loopback();
    private static final int TIMEOUT_MS = 10_000;

    private static SSLContext context;

    private TlsProbe() {
    }

    public static void main(String[] args) throws Exception {
        context = context(args[0], args[1].toCharArray());
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "reset-during-handshake" -> report(args[i], resetDuringHandshake());
                case "reset-during-handshake-layered" -> report(args[i], resetDuringHandshakeLayered());
                case "reset-during-established-read" -> report(args[i], resetDuringEstablishedRead());
                case "write-after-peer-reset" -> report(args[i], writeAfterPeerReset());
                case "close-during-handshake" -> report(args[i], closeDuringHandshake());
                case "healthy" -> report(args[i], healthy());
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        // Give an agent's event writer time before the JVM exits (its flush at exit is bounded, and a
        // loaded test machine can starve it); the same pause with and without the agent.
        Thread.sleep(1500);
    }

    private static void report(String scenario, Throwable caught) {
        StringBuilder line = new StringBuilder(scenario).append(": ");
        if (caught == null) {
            line.append("no exception");
        } else {
            line.append("caught ").append(caught.getClass().getName()).append(": ").append(caught.getMessage());
            Throwable cause = caught.getCause();
            if (cause != null) {
                line.append(" | cause ").append(cause.getClass().getName()).append(": ").append(cause.getMessage());
            }
        }
        System.out.println(line);
        if (caught != null && caught.getSuppressed().length > 0) {
            // stderr: the agent's note, absent without it (stdout must be the same with and without)
            System.err.println(scenario + " suppressed: " + caught.getSuppressed()[0].getMessage());
        }
    }

    /**
     * A server that is not willing to talk TLS with us: it reads the ClientHello and then resets the
     * connection (SO_LINGER 0).
     */
    private static Throwable resetDuringHandshake() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            Thread peer = resettingPeer(server);
            Throwable caught = null;
            try (SSLSocket client = connect(server, false)) {
                client.startHandshake();
            } catch (IOException e) {
                caught = e;
            }
            peer.join(TIMEOUT_MS);
            return caught;
        }
    }

    /** The same, with the SSLSocket layered over a connected Socket (SSLSocketFactory.createSocket(Socket, ...)). */
    private static Throwable resetDuringHandshakeLayered() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            Thread peer = resettingPeer(server);
            Throwable caught = null;
            try (SSLSocket client = connect(server, true)) {
                client.startHandshake();
            } catch (IOException e) {
                caught = e;
            }
            peer.join(TIMEOUT_MS);
            return caught;
        }
    }

    private static Thread resettingPeer(ServerSocket server) throws IOException {
        server.setSoTimeout(TIMEOUT_MS);
        return start("tls-peer", () -> {
            try (Socket s = server.accept()) {
                readSome(s);
                s.setSoLinger(true, 0);
            }
        });
    }

    /** The peer closes (FIN) while this side waits for its ServerHello. */
    private static Throwable closeDuringHandshake() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            server.setSoTimeout(TIMEOUT_MS);
            Thread peer = start("tls-peer", () -> {
                try (Socket s = server.accept()) {
                    readSome(s);
                }
            });
            Throwable caught = null;
            try (SSLSocket client = connect(server, false)) {
                client.startHandshake();
            } catch (IOException e) {
                caught = e;
            }
            peer.join(TIMEOUT_MS);
            return caught;
        }
    }

    /** Handshake done; the client sends "go", the server resets the TCP connection under its TLS socket. */
    private static Throwable resetDuringEstablishedRead() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            server.setSoTimeout(TIMEOUT_MS);
            CountDownLatch reset = new CountDownLatch(1);
            Thread peer = start("tls-peer", () -> tlsPeerThatResets(server, reset));
            Throwable caught = null;
            try (SSLSocket client = connect(server, false)) {
                client.startHandshake();
                client.getOutputStream().write('g');
                client.getOutputStream().flush();
                int n = client.getInputStream().read();
                caught = new IllegalStateException("read returned " + n);
            } catch (IOException e) {
                caught = e;
            }
            peer.join(TIMEOUT_MS);
            return caught;
        }
    }

    /** Handshake done; the server resets; then the client writes. */
    private static Throwable writeAfterPeerReset() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            server.setSoTimeout(TIMEOUT_MS);
            CountDownLatch reset = new CountDownLatch(1);
            Thread peer = start("tls-peer", () -> tlsPeerThatResets(server, reset));
            Throwable caught = null;
            try (SSLSocket client = connect(server, false)) {
                client.startHandshake();
                OutputStream out = client.getOutputStream();
                out.write('g');
                out.flush();
                if (!reset.await(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("the peer did not reset in time");
                }
                Thread.sleep(100); // the RST is on loopback: processed by now, the margin is for slow machines
                byte[] data = new byte[1024];
                for (int i = 0; i < 3; i++) { // the first write after a RST normally fails; bounded anyway
                    out.write(data);
                    out.flush();
                }
                caught = new IllegalStateException("three writes went through");
            } catch (IOException e) {
                caught = e;
            }
            peer.join(TIMEOUT_MS);
            return caught;
        }
    }

    /** The same exchange without a failure. */
    private static Throwable healthy() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            server.setSoTimeout(TIMEOUT_MS);
            Thread peer = start("tls-peer", () -> {
                try (Socket plain = server.accept();
                     SSLSocket s = serverSide(plain)) {
                    s.getOutputStream().write(s.getInputStream().read());
                    s.getOutputStream().flush();
                }
            });
            try (SSLSocket client = connect(server, false)) {
                client.getOutputStream().write('h');
                client.getOutputStream().flush();
                int echoed = client.getInputStream().read();
                if (echoed != 'h') {
                    return new IllegalStateException("echo returned " + echoed);
                }
            }
            peer.join(TIMEOUT_MS);
            return null;
        }
    }

    /** A TLS server over the accepted socket; after the client's "go" it closes the plain socket with SO_LINGER 0. */
    private static void tlsPeerThatResets(ServerSocket server, CountDownLatch reset) throws IOException {
        try (Socket plain = server.accept()) {
            SSLSocket s = serverSide(plain);
            s.startHandshake();
            if (s.getInputStream().read() != 'g') {
                throw new IOException("no go");
            }
            plain.setSoLinger(true, 0);
            plain.close(); // under the TLS socket: no close_notify, a RST
            reset.countDown();
        }
    }

    private static SSLSocket serverSide(Socket plain) throws IOException {
        plain.setSoTimeout(TIMEOUT_MS);
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, null, plain.getPort(), false);
        s.setUseClientMode(false);
        return s;
    }

    private static SSLSocket connect(ServerSocket server, boolean layered) throws IOException {
        SSLSocketFactory factory = context.getSocketFactory();
        InetSocketAddress address = new InetSocketAddress(LOOPBACK, server.getLocalPort());
        if (layered) {
            Socket plain = new Socket();
            plain.connect(address, TIMEOUT_MS);
            plain.setSoTimeout(TIMEOUT_MS);
            return (SSLSocket) factory.createSocket(plain, "127.0.0.1", server.getLocalPort(), true);
        }
        SSLSocket client = (SSLSocket) factory.createSocket();
        client.connect(address, TIMEOUT_MS);
        client.setSoTimeout(TIMEOUT_MS);
        return client;
    }

    /** Reads at most one buffer of the ClientHello (it is sent in one write), bounded by SO_TIMEOUT. */
    private static void readSome(Socket s) throws IOException {
        s.setSoTimeout(TIMEOUT_MS);
        InputStream in = s.getInputStream();
        if (in.read(new byte[16384]) <= 0) {
            throw new IOException("no ClientHello");
        }
    }

    private static SSLContext context(String keyStore, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keyStore)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return c;
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread start(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                System.out.println("peer failed: " + e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
