package io.socketdoctor.classify;

import java.util.Locale;

/**
 * Which API the application used: the JDK's, or a library's own transport that bypasses the JDK's
 * socket classes ({@code NETTY}: Netty's native epoll, io_uring and kqueue transports). The
 * lower-case name is the event value. {@code DATAGRAM} is UDP: {@code DatagramChannel} and
 * {@code DatagramSocket} (an adaptor over the same channel on JDK 17+).
 */
public enum Api {
    SOCKET, CHANNEL, SERVER_SOCKET, SERVER_CHANNEL,
    /** {@code AsynchronousSocketChannel} (Future or CompletionHandler) */
    ASYNC,
    /** {@code AsynchronousServerSocketChannel} */
    ASYNC_SERVER,
    DATAGRAM,
    NETTY;

    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }
}
