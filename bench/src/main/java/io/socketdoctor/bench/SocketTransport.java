package io.socketdoctor.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** java.net.Socket and ServerSocket, data through the socket's streams and byte arrays. */
final class SocketTransport implements Transport<byte[]> {

    static final SocketTransport INSTANCE = new SocketTransport();

    /** Connect timeout, and read timeout where one is set: a lost peer fails the run instead of hanging it. */
    static final int TIMEOUT_MS = 30_000;

    private SocketTransport() {
    }

    @Override
    public byte[] buffer(int size) {
        return new byte[size];
    }

    @Override
    public void tag(byte[] message, byte value) {
        message[0] = value;
    }

    @Override
    public Transport.Listener<byte[]> listen(int backlog) throws IOException {
        return new Listener(new ServerSocket(0, backlog, Workloads.LOOPBACK));
    }

    @Override
    public Transport.Connection<byte[]> connect(InetSocketAddress to) throws IOException {
        Socket socket = new Socket();
        connectOrClose(socket, to);
        return new Connection(socket);
    }

    @Override
    public Transport.Connection<byte[]> connectNoDelay(InetSocketAddress to) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(TIMEOUT_MS);
        } catch (IOException | RuntimeException e) {
            closeInto(socket, e);
            throw e;
        }
        connectOrClose(socket, to);
        return new Connection(socket);
    }

    /** InputStream.read(): the one-byte read, which brings its own one-byte array; oneByte is not used. */
    @Override
    public int connectReadClose(InetSocketAddress to, byte[] oneByte) throws IOException {
        try (Socket client = new Socket()) {
            client.setSoTimeout(TIMEOUT_MS);
            client.connect(to, TIMEOUT_MS);
            return client.getInputStream().read();
        }
    }

    /** What try-with-resources did around a connect: close on failure, keep the connect's exception. */
    private static void connectOrClose(Socket socket, InetSocketAddress to) throws IOException {
        try {
            socket.connect(to, TIMEOUT_MS);
        } catch (IOException | RuntimeException e) {
            closeInto(socket, e);
            throw e;
        }
    }

    private static void closeInto(Socket socket, Exception failure) {
        try {
            socket.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private static final class Listener implements Transport.Listener<byte[]> {
        private final ServerSocket server;

        Listener(ServerSocket server) {
            this.server = server;
        }

        @Override
        public InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public Transport.Connection<byte[]> accept() throws IOException {
            return new Connection(server.accept());
        }

        @Override
        public void closeNext() throws IOException {
            server.accept().close();
        }

        @Override
        public void resetNext() throws IOException {
            Socket socket = server.accept();
            socket.setSoLinger(true, 0);
            socket.close();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static final class Connection implements Transport.Connection<byte[]> {
        private final Socket socket;
        /** Fetched on first use: getInputStream() checks the socket's state under a lock on every call. */
        private InputStream in;
        private OutputStream out;

        Connection(Socket socket) {
            this.socket = socket;
        }

        private InputStream in() throws IOException {
            InputStream stream = in;
            return stream != null ? stream : (in = socket.getInputStream());
        }

        private OutputStream out() throws IOException {
            OutputStream stream = out;
            return stream != null ? stream : (out = socket.getOutputStream());
        }

        @Override
        public void setNoDelay() throws IOException {
            socket.setTcpNoDelay(true);
        }

        @Override
        public void writeFully(byte[] buffer) throws IOException {
            out().write(buffer, 0, buffer.length);
        }

        @Override
        public boolean readFully(byte[] buffer) throws IOException {
            InputStream stream = in();
            for (int got = 0; got < buffer.length; ) {
                int n = stream.read(buffer, got, buffer.length - got);
                if (n < 0) {
                    if (got == 0) {
                        return false;
                    }
                    throw new IOException("EOF inside a message");
                }
                got += n;
            }
            return true;
        }

        @Override
        public int read(byte[] buffer) throws IOException {
            return in().read(buffer, 0, buffer.length);
        }

        @Override
        public long writeEmpty(byte[] empty, long count) throws IOException {
            OutputStream stream = out();
            for (long i = 0; i < count; i++) {
                stream.write(empty, 0, 0);
            }
            return 0; // OutputStream.write returns nothing
        }

        @Override
        public long readEmpty(byte[] empty, long count) throws IOException {
            InputStream stream = in();
            long sum = 0;
            for (long i = 0; i < count; i++) {
                sum += stream.read(empty, 0, 0);
            }
            return sum;
        }

        @Override
        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
