package io.socketdoctor.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** java.nio's SocketChannel and ServerSocketChannel in blocking mode, data through direct ByteBuffers. */
final class ChannelTransport implements Transport<ByteBuffer> {

    static final ChannelTransport INSTANCE = new ChannelTransport();

    private ChannelTransport() {
    }

    @Override
    public ByteBuffer buffer(int size) {
        return ByteBuffer.allocateDirect(size);
    }

    @Override
    public void tag(ByteBuffer message, byte value) {
        message.put(0, value);
    }

    @Override
    public Transport.Listener<ByteBuffer> listen(int backlog) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(Workloads.LOOPBACK, 0), backlog);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return new Listener(server);
    }

    @Override
    public Transport.Connection<ByteBuffer> connect(InetSocketAddress to) throws IOException {
        return new Connection(SocketChannel.open(to));
    }

    /** TCP_NODELAY only: a channel has no read timeout. */
    @Override
    public Transport.Connection<ByteBuffer> connectNoDelay(InetSocketAddress to) throws IOException {
        SocketChannel channel = SocketChannel.open(to);
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new Connection(channel);
    }

    @Override
    public int connectReadClose(InetSocketAddress to, ByteBuffer oneByte) throws IOException {
        try (SocketChannel client = SocketChannel.open(to)) {
            return client.read(oneByte.clear());
        }
    }

    private static final class Listener implements Transport.Listener<ByteBuffer> {
        private final ServerSocketChannel server;

        Listener(ServerSocketChannel server) {
            this.server = server;
        }

        @Override
        public InetSocketAddress address() throws IOException {
            return (InetSocketAddress) server.getLocalAddress();
        }

        @Override
        public Transport.Connection<ByteBuffer> accept() throws IOException {
            return new Connection(server.accept());
        }

        @Override
        public void closeNext() throws IOException {
            server.accept().close();
        }

        @Override
        public void resetNext() throws IOException {
            SocketChannel channel = server.accept();
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            channel.close();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static final class Connection implements Transport.Connection<ByteBuffer> {
        private final SocketChannel channel;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void setNoDelay() throws IOException {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }

        @Override
        public void writeFully(ByteBuffer buffer) throws IOException {
            buffer.clear();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        public boolean readFully(ByteBuffer buffer) throws IOException {
            buffer.clear();
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    if (buffer.position() == 0) {
                        return false;
                    }
                    throw new IOException("EOF inside a message");
                }
            }
            return true;
        }

        @Override
        public int read(ByteBuffer buffer) throws IOException {
            return channel.read(buffer.clear());
        }

        @Override
        public long writeEmpty(ByteBuffer empty, long count) throws IOException {
            long sum = 0;
            for (long i = 0; i < count; i++) {
                sum += channel.write(empty);
            }
            return sum;
        }

        @Override
        public long readEmpty(ByteBuffer empty, long count) throws IOException {
            long sum = 0;
            for (long i = 0; i < count; i++) {
                sum += channel.read(empty);
            }
            return sum;
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
