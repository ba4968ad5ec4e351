package io.socketdoctor.bench;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One of the JDK's TCP APIs as the workloads drive it: {@link SocketTransport} (java.net.Socket and
 * its streams) or {@link ChannelTransport} (java.nio's SocketChannel). Each method does exactly the
 * JDK calls the workload did when it had a copy per API, so the figures stay comparable with earlier
 * runs; the javadoc of each implementation says which.
 *
 * @param <B> the API's buffer: byte[] for streams, a direct ByteBuffer for channels (what each is
 *            fastest with). Workloads allocate buffers once, outside the measured loops.
 */
interface Transport<B> {

    /** The transport a workload name's second word names: "socket" or "channel". */
    static Transport<?> named(String name) {
        return switch (name) {
            case "socket" -> SocketTransport.INSTANCE;
            case "channel" -> ChannelTransport.INSTANCE;
            default -> throw new IllegalArgumentException("unknown transport " + name);
        };
    }

    B buffer(int size);

    /** Sets a message's first byte, so that consecutive messages differ. */
    void tag(B message, byte value);

    /** A loopback server socket on a free port. */
    Listener<B> listen(int backlog) throws IOException;

    /** A client connection as the API opens it; nothing is left open if the connect fails. */
    Connection<B> connect(InetSocketAddress to) throws IOException;

    /** A client connection for request/response: TCP_NODELAY, and a read timeout where the API has one. */
    Connection<B> connectNoDelay(InetSocketAddress to) throws IOException;

    /**
     * Connects, reads once (at most one byte) and closes: one short-lived connection. Returns what
     * the read returned, -1 if the peer had closed. A method of its own, not connect() + a read, so
     * that a connection per operation costs no wrapper object in the measured loop.
     */
    int connectReadClose(InetSocketAddress to, B oneByte) throws IOException;

    /** The server side. */
    interface Listener<B> extends AutoCloseable {

        InetSocketAddress address() throws IOException;

        Connection<B> accept() throws IOException;

        /** Accepts the next connection and closes it at once (the client sees a FIN). */
        void closeNext() throws IOException;

        /** Accepts the next connection and closes it with SO_LINGER 0 (the client sees an RST). */
        void resetNext() throws IOException;

        @Override
        void close() throws IOException;
    }

    /** One end of an open connection. */
    interface Connection<B> extends AutoCloseable {

        void setNoDelay() throws IOException;

        /** Writes the whole buffer. */
        void writeFully(B buffer) throws IOException;

        /** Fills the whole buffer; false at the end of the stream before its first byte. */
        boolean readFully(B buffer) throws IOException;

        /** One read into the buffer, as many bytes as arrive; -1 at the end of the stream. */
        int read(B buffer) throws IOException;

        /*
         * The zero-length calls take a count and loop inside the implementation: those loops
         * measure the call itself (a few ns), so its call site must see one class only, as it did
         * when each API had its own workload. A loop in the shared workload code would call
         * through a site that sees both transports (the zero group runs them in one JVM).
         */

        /** Makes {@code count} zero-length writes from the (empty) buffer; returns the sum of what they returned. */
        long writeEmpty(B empty, long count) throws IOException;

        /** Makes {@code count} zero-length reads into the (empty) buffer; returns the sum of what they returned. */
        long readEmpty(B empty, long count) throws IOException;

        void shutdownOutput() throws IOException;

        @Override
        void close() throws IOException;
    }
}
