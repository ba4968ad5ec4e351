package io.socketdoctor.runtime;

import io.socketdoctor.classify.Facts;
import io.socketdoctor.classify.Op;
import io.socketdoctor.hook.HookSite;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Reads what the failing socket or channel can tell through public API only: both ends and
 * whether this side had shut down or closed it. Anything that fails is simply left out.
 */
final class ConnectionFacts {

    private ConnectionFacts() {
    }

    /** Loaded with this class (it is final, and always loaded where a datagram can fail). */
    private static final Class<?> DATAGRAM_PACKET = DatagramPacket.class;

    /**
     * Which socket API {@code self} belongs to, by the names of its class and superclasses (all
     * loaded already), or "": an {@code instanceof} test against an API the application never used
     * would load that class (a hooked one, such as ServerSocket, even transformed) in the failing call.
     */
    static String apiClassOf(Object self) {
        for (Class<?> c = self == null ? null : self.getClass(); c != null; c = c.getSuperclass()) {
            String name = c.getName();
            if (name.startsWith("java.net.") || name.startsWith("java.nio.channels.")) {
                switch (name) {
                    case "java.net.Socket", "java.nio.channels.SocketChannel", "java.net.ServerSocket",
                         "java.nio.channels.AsynchronousSocketChannel",
                         "java.nio.channels.AsynchronousServerSocketChannel",
                         "java.nio.channels.ServerSocketChannel", "java.nio.channels.DatagramChannel",
                         "java.net.DatagramSocket" -> {
                        return name;
                    }
                    default -> {
                    }
                }
            }
        }
        return "";
    }

    static Facts of(Object self, Object detail, HookSite site) {
        String local = null;
        String remote = null;
        boolean outputShutdown = false;
        boolean closed = false;
        try {
            switch (apiClassOf(self)) {
                case "java.net.Socket" -> {
                    Socket s = (Socket) self;
                    closed = s.isClosed();
                    // A closed Socket reports the wildcard address with the old port: say nothing instead.
                    local = closed ? null : format(s.getLocalSocketAddress());
                    remote = format(s.getRemoteSocketAddress());
                    outputShutdown = s.isOutputShutdown();
                }
                case "java.nio.channels.SocketChannel" -> {
                    SocketChannel ch = (SocketChannel) self;
                    closed = !ch.isOpen();
                    Socket adaptor = ch.socket();
                    local = format(adaptor.getLocalSocketAddress());
                    remote = format(adaptor.getRemoteSocketAddress());
                    outputShutdown = adaptor.isOutputShutdown();
                }
                case "java.net.ServerSocket" -> {
                    ServerSocket s = (ServerSocket) self;
                    local = format(s.getLocalSocketAddress());
                    closed = s.isClosed();
                }
                case "java.nio.channels.AsynchronousSocketChannel" -> {
                    // A closed channel tells nothing (ClosedChannelException): its addresses are gone.
                    AsynchronousSocketChannel ch = (AsynchronousSocketChannel) self;
                    closed = !ch.isOpen();
                    if (!closed) {
                        local = format(ch.getLocalAddress());
                        remote = format(ch.getRemoteAddress());
                    }
                }
                case "java.nio.channels.AsynchronousServerSocketChannel" -> {
                    AsynchronousServerSocketChannel ch = (AsynchronousServerSocketChannel) self;
                    closed = !ch.isOpen();
                    local = closed ? null : format(ch.getLocalAddress());
                }
                case "java.nio.channels.ServerSocketChannel" -> {
                    ServerSocketChannel ch = (ServerSocketChannel) self;
                    closed = !ch.isOpen();
                    local = closed ? null : format(ch.getLocalAddress());
                }
                case "java.nio.channels.DatagramChannel" -> {
                    DatagramChannel ch = (DatagramChannel) self;
                    closed = !ch.isOpen();
                    if (!closed) {
                        local = format(ch.getLocalAddress());
                        remote = format(ch.getRemoteAddress()); // the connected peer, if connected
                    }
                }
                case "java.net.DatagramSocket" -> {
                    DatagramSocket s = (DatagramSocket) self;
                    closed = s.isClosed();
                    if (!closed) {
                        local = format(s.getLocalSocketAddress());
                        remote = format(s.getRemoteSocketAddress());
                    }
                }
                default -> {
                }
            }
        } catch (Exception | LinkageError ignored) {
            // A half-built or exotic socket: report what we have.
        }
        if (detail instanceof SocketAddress) {
            if (site.op() == Op.BIND) {
                local = format((SocketAddress) detail);
            } else if (site.op() == Op.CONNECT || remote == null && site.op() == Op.WRITE) {
                remote = format((SocketAddress) detail); // also the target of an unconnected send
            }
        } else if (remote == null && detail != null && detail.getClass() == DATAGRAM_PACKET) {
            remote = targetOf((DatagramPacket) detail);
        }
        return new Facts(local, remote, outputShutdown, closed);
    }

    /** Where an unconnected {@code DatagramSocket.send} was sending this packet, or null. */
    private static String targetOf(DatagramPacket packet) {
        try {
            InetAddress address = packet.getAddress();
            return address == null ? null : format(new InetSocketAddress(address, packet.getPort()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code 127.0.0.1:8080}, {@code [::1]:8080}, or {@code name:port} for an unresolved address. */
    static String format(SocketAddress address) {
        if (!(address instanceof InetSocketAddress)) {
            return address == null ? null : address.toString();
        }
        InetSocketAddress a = (InetSocketAddress) address;
        InetAddress ip = a.getAddress();
        if (ip == null) {
            return a.getHostString() + ":" + a.getPort();
        }
        String host = ip.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
