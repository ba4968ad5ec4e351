package io.socketdoctor.hook;

import static io.socketdoctor.classify.Api.ASYNC;
import static io.socketdoctor.classify.Api.ASYNC_SERVER;
import static io.socketdoctor.classify.Api.CHANNEL;
import static io.socketdoctor.classify.Api.DATAGRAM;
import static io.socketdoctor.classify.Api.SERVER_CHANNEL;
import static io.socketdoctor.classify.Api.SERVER_SOCKET;
import static io.socketdoctor.classify.Api.SOCKET;
import static io.socketdoctor.classify.Op.ACCEPT;
import static io.socketdoctor.classify.Op.BIND;
import static io.socketdoctor.classify.Op.CLOSE;
import static io.socketdoctor.classify.Op.CONNECT;
import static io.socketdoctor.classify.Op.CREATE;
import static io.socketdoctor.classify.Op.OPTION;
import static io.socketdoctor.classify.Op.READ;
import static io.socketdoctor.classify.Op.WRITE;
import static io.socketdoctor.hook.HookSite.Shape.ASYNC_CONNECT_DELIVERY;
import static io.socketdoctor.hook.HookSite.Shape.ASYNC_DELIVERY;
import static io.socketdoctor.hook.HookSite.Shape.ASYNC_TIMEOUT_DELIVERY;
import static io.socketdoctor.hook.HookSite.Shape.CHANNEL_CONNECT;
import static io.socketdoctor.hook.HookSite.Shape.CONSTRUCTED;
import static io.socketdoctor.hook.HookSite.Shape.FINISH_CONNECT;
import static io.socketdoctor.hook.HookSite.Shape.IMPL_ACCEPT;
import static io.socketdoctor.hook.HookSite.Shape.INSTANCE;
import static io.socketdoctor.hook.HookSite.Shape.INSTANCE_AND_ARGUMENT;
import static io.socketdoctor.hook.HookSite.Shape.INSTANCE_AND_SECOND_ARGUMENT;
import static io.socketdoctor.hook.HookSite.Shape.LIFECYCLE;
import static io.socketdoctor.hook.HookSite.Shape.INT_RESULT;
import static io.socketdoctor.hook.HookSite.Shape.LONG_RESULT;
import static io.socketdoctor.hook.HookSite.Shape.SOCKET_IMPL;
import static io.socketdoctor.hook.HookSite.Shape.STREAM_READ;
import static io.socketdoctor.hook.HookSite.Shape.STREAM_WRITE;
import static io.socketdoctor.hook.HookSite.Shape.WRITE_FULLY;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every JDK method Socket Doctor instruments: the one place to add a hook point.
 *
 * <p>Why these: each is the <em>outermost</em> JDK method the application calls for that
 * operation, so the exception seen here is the very object the application receives, including
 * the ones the JDK creates in Java above the natives (the sticky "Connection reset", timeouts,
 * "Closed by interrupt" on JDK 21+ virtual threads, closed and interrupted channels). Inner
 * methods would see exceptions that the JDK then rebuilds (JDK 17's {@code Socket.createImpl})
 * or swallows ({@code Socket.getLocalAddress}). The names and descriptors below are identical
 * on JDK 17.0.15 and 25 (checked with {@code javap -p}); the installer verifies each one matched
 * exactly one method and names any that did not. Nested sites on the same thread (a subclass's
 * {@code accept} calling {@code implAccept}) are reported once per exception object.
 */
public final class HookSites {

    private static final String BYTES = "byte[]";
    private static final String BUFFER = "java.nio.ByteBuffer";
    private static final String BUFFERS = "java.nio.ByteBuffer[]";
    private static final String ADDRESS = "java.net.SocketAddress";
    private static final String OPTION_TYPE = "java.net.SocketOption";
    private static final String OBJECT = "java.lang.Object";
    private static final String HANDLER = "java.nio.channels.CompletionHandler";

    private static final String SOCKET_CLASS = "java.net.Socket";
    private static final String SOCKET_IN = "java.net.Socket$SocketInputStream";
    private static final String SOCKET_OUT = "java.net.Socket$SocketOutputStream";
    private static final String SERVER_SOCKET_CLASS = "java.net.ServerSocket";
    private static final String NIO_SOCKET_IMPL = "sun.nio.ch.NioSocketImpl";
    private static final String CHANNEL_CLASS = "sun.nio.ch.SocketChannelImpl";
    private static final String SERVER_CHANNEL_CLASS = "sun.nio.ch.ServerSocketChannelImpl";
    private static final String PROVIDER = "sun.nio.ch.SelectorProviderImpl";
    private static final String ASYNC_CLASS = "sun.nio.ch.AsynchronousSocketChannelImpl";
    private static final String UNIX_ASYNC = "sun.nio.ch.UnixAsynchronousSocketChannelImpl";
    private static final String ASYNC_SERVER_CLASS = "sun.nio.ch.AsynchronousServerSocketChannelImpl";
    private static final String UNIX_ASYNC_SERVER = "sun.nio.ch.UnixAsynchronousServerSocketChannelImpl";
    /** {@code implRead/implWrite(boolean, ByteBuffer, ByteBuffer[], long, TimeUnit, A, CompletionHandler)}, erased. */
    private static final String[] ASYNC_IO = {"boolean", BUFFER, BUFFERS, "long", "java.util.concurrent.TimeUnit",
        OBJECT, "java.nio.channels.CompletionHandler"};
    private static final String DATAGRAM_CLASS = "sun.nio.ch.DatagramChannelImpl";
    private static final String DATAGRAM_ADAPTOR = "sun.nio.ch.DatagramSocketAdaptor";
    private static final String PACKET = "java.net.DatagramPacket";
    /** The JDK's SSLSocket: its records go through the Socket streams above; only its handshake is hooked. */
    private static final String TLS_SOCKET = "sun.security.ssl.SSLSocketImpl";

    public static final List<HookSite> ALL;

    static {
        Table t = new Table();
        // java.net.Socket: the streams (the owning socket is the connection), connect, bind, lifecycle
        t.add(SOCKET_IN, "read", READ, SOCKET, STREAM_READ, BYTES, "int", "int");
        t.add(SOCKET_OUT, "write", WRITE, SOCKET, STREAM_WRITE, BYTES, "int", "int");
        t.add(SOCKET_CLASS, "getInputStream", READ, SOCKET, INSTANCE);
        t.add(SOCKET_CLASS, "getOutputStream", WRITE, SOCKET, INSTANCE);
        t.add(SOCKET_CLASS, "connect", CONNECT, SOCKET, HookSite.Shape.CONNECT, ADDRESS, "int");
        t.add(SOCKET_CLASS, "bind", BIND, SOCKET, INSTANCE_AND_ARGUMENT, ADDRESS);
        t.lifecycle(SOCKET_CLASS, "close", SOCKET, Bridge.CLOSED);
        t.lifecycle(SOCKET_CLASS, "shutdownOutput", SOCKET, Bridge.SHUTDOWN_OUTPUT);
        t.lifecycle(SOCKET_CLASS, "shutdownInput", SOCKET, Bridge.SHUTDOWN_INPUT);
        // java.net.ServerSocket: every accept, the subclasses' too, ends in implAccept(Socket)
        t.add(SERVER_SOCKET_CLASS, "accept", ACCEPT, SERVER_SOCKET, INSTANCE);
        t.add(SERVER_SOCKET_CLASS, "implAccept", ACCEPT, SERVER_SOCKET, IMPL_ACCEPT, SOCKET_CLASS);
        t.add(SERVER_SOCKET_CLASS, "bind", BIND, SERVER_SOCKET, INSTANCE_AND_ARGUMENT, ADDRESS, "int");
        t.add(SERVER_SOCKET_CLASS, "close", CLOSE, SERVER_SOCKET, INSTANCE);
        // Options of Socket and ServerSocket all end in the platform impl (only set: the JDK's own
        // getOption calls are sometimes swallowed, e.g. by Socket.getLocalAddress).
        t.add(NIO_SOCKET_IMPL, "setOption", OPTION, SOCKET, SOCKET_IMPL, OPTION_TYPE, OBJECT);
        t.add(NIO_SOCKET_IMPL, "setOption", OPTION, SOCKET, SOCKET_IMPL, "int", OBJECT);
        // SocketChannel, including the socket-adaptor paths (SocketChannel.socket() streams)
        t.io(CHANNEL_CLASS, "read", READ, INT_RESULT, BUFFER);
        t.io(CHANNEL_CLASS, "read", READ, LONG_RESULT, BUFFERS, "int", "int");
        t.io(CHANNEL_CLASS, "write", WRITE, INT_RESULT, BUFFER);
        t.io(CHANNEL_CLASS, "write", WRITE, LONG_RESULT, BUFFERS, "int", "int");
        t.add(CHANNEL_CLASS, "connect", CONNECT, CHANNEL, CHANNEL_CONNECT, ADDRESS);
        t.add(CHANNEL_CLASS, "finishConnect", CONNECT, CHANNEL, FINISH_CONNECT);
        t.add(CHANNEL_CLASS, "blockingConnect", CONNECT, CHANNEL, HookSite.Shape.CONNECT, ADDRESS, "long");
        t.io(CHANNEL_CLASS, "blockingRead", READ, INT_RESULT, BYTES, "int", "int", "long");
        t.add(CHANNEL_CLASS, "blockingWriteFully", WRITE, CHANNEL, WRITE_FULLY, BYTES, "int", "int");
        t.add(CHANNEL_CLASS, "bind", BIND, CHANNEL, INSTANCE_AND_ARGUMENT, ADDRESS);
        t.add(CHANNEL_CLASS, "setOption", OPTION, CHANNEL, INSTANCE_AND_ARGUMENT, OPTION_TYPE, OBJECT);
        t.lifecycle(CHANNEL_CLASS, "implCloseSelectableChannel", CHANNEL, Bridge.CLOSED);
        t.lifecycle(CHANNEL_CLASS, "shutdownOutput", CHANNEL, Bridge.SHUTDOWN_OUTPUT);
        t.lifecycle(CHANNEL_CLASS, "shutdownInput", CHANNEL, Bridge.SHUTDOWN_INPUT);
        // ServerSocketChannel, including the adaptor's accept
        t.add(SERVER_CHANNEL_CLASS, "accept", ACCEPT, SERVER_CHANNEL, HookSite.Shape.ACCEPT);
        t.add(SERVER_CHANNEL_CLASS, "blockingAccept", ACCEPT, SERVER_CHANNEL, HookSite.Shape.ACCEPT, "long");
        t.add(SERVER_CHANNEL_CLASS, "bind", BIND, SERVER_CHANNEL, INSTANCE_AND_ARGUMENT, ADDRESS, "int");
        t.add(SERVER_CHANNEL_CLASS, "setOption", OPTION, SERVER_CHANNEL, INSTANCE_AND_ARGUMENT, OPTION_TYPE, OBJECT);
        t.add(SERVER_CHANNEL_CLASS, "implCloseSelectableChannel", CLOSE, SERVER_CHANNEL, INSTANCE);
        // Channel creation (EMFILE/ENFILE): java.net.Socket creates its descriptor lazily inside
        // connect/bind, so its creation failures surface at those sites.
        t.add(PROVIDER, "openSocketChannel", CREATE, CHANNEL, INSTANCE);
        t.add(PROVIDER, "openSocketChannel", CREATE, CHANNEL, INSTANCE_AND_ARGUMENT, "java.net.ProtocolFamily");
        t.add(PROVIDER, "openServerSocketChannel", CREATE, SERVER_CHANNEL, INSTANCE);
        t.add(PROVIDER, "openServerSocketChannel", CREATE, SERVER_CHANNEL, INSTANCE_AND_ARGUMENT, "java.net.ProtocolFamily");
        // AsynchronousSocketChannel: most failures are not thrown but delivered to a Future or a
        // CompletionHandler, often from a group or timer thread; the ASYNC_*_DELIVERY sites rewrite
        // the one delivery call each failure passes (see AsyncDelivery). Same on JDK 17 and 25.
        t.add(UNIX_ASYNC, "implConnect", CONNECT, ASYNC, ASYNC_CONNECT_DELIVERY, ADDRESS, OBJECT, HANDLER);
        t.add(UNIX_ASYNC, "implConnect", CONNECT, ASYNC, INSTANCE_AND_ARGUMENT, ADDRESS, OBJECT, HANDLER);
        t.add(UNIX_ASYNC, "finishConnect", CONNECT, ASYNC, ASYNC_CONNECT_DELIVERY, "boolean");
        t.event(UNIX_ASYNC, "setConnected", CONNECT, ASYNC, LIFECYCLE, Bridge.OPENED);
        t.event(UNIX_ASYNC, "implRead", READ, ASYNC, ASYNC_DELIVERY, Bridge.READ_DONE, ASYNC_IO);
        t.event(UNIX_ASYNC, "finishRead", READ, ASYNC, ASYNC_DELIVERY, Bridge.READ_DONE, "boolean");
        t.event(UNIX_ASYNC, "implWrite", WRITE, ASYNC, ASYNC_DELIVERY, Bridge.WRITE_DONE, ASYNC_IO);
        t.event(UNIX_ASYNC, "finishWrite", WRITE, ASYNC, ASYNC_DELIVERY, Bridge.WRITE_DONE, "boolean");
        t.add(UNIX_ASYNC + "$1", "run", READ, ASYNC, ASYNC_TIMEOUT_DELIVERY);   // the read timer
        t.add(UNIX_ASYNC + "$2", "run", WRITE, ASYNC, ASYNC_TIMEOUT_DELIVERY);  // the write timer
        // only accepted channels are made with this constructor
        t.event(UNIX_ASYNC, "<init>", ACCEPT, ASYNC, CONSTRUCTED, Bridge.OPENED,
                "sun.nio.ch.Port", "java.io.FileDescriptor", "java.net.InetSocketAddress");
        // closed channel (delivered), NotYetConnected / ReadPending / "not allowed due to timeout" (thrown)
        t.add(ASYNC_CLASS, "read", READ, ASYNC, ASYNC_DELIVERY, ASYNC_IO);
        t.add(ASYNC_CLASS, "read", READ, ASYNC, INSTANCE, ASYNC_IO);
        t.add(ASYNC_CLASS, "write", WRITE, ASYNC, ASYNC_DELIVERY, ASYNC_IO);
        t.add(ASYNC_CLASS, "write", WRITE, ASYNC, INSTANCE, ASYNC_IO);
        t.add(ASYNC_CLASS, "bind", BIND, ASYNC, INSTANCE_AND_ARGUMENT, ADDRESS);
        t.add(ASYNC_CLASS, "setOption", OPTION, ASYNC, INSTANCE_AND_ARGUMENT, OPTION_TYPE, OBJECT);
        t.lifecycle(ASYNC_CLASS, "close", ASYNC, Bridge.CLOSED);
        t.lifecycle(ASYNC_CLASS, "shutdownOutput", ASYNC, Bridge.SHUTDOWN_OUTPUT);
        t.lifecycle(ASYNC_CLASS, "shutdownInput", ASYNC, Bridge.SHUTDOWN_INPUT);
        // AsynchronousServerSocketChannel: closed (delivered) or NotYetBound / AcceptPending (thrown)
        // at implAccept, failures of a pending accept in onEvent, AsynchronousCloseException in implClose
        t.add(UNIX_ASYNC_SERVER, "implAccept", ACCEPT, ASYNC_SERVER, ASYNC_DELIVERY, OBJECT, HANDLER);
        t.add(UNIX_ASYNC_SERVER, "implAccept", ACCEPT, ASYNC_SERVER, INSTANCE, OBJECT, HANDLER);
        t.add(UNIX_ASYNC_SERVER, "onEvent", ACCEPT, ASYNC_SERVER, ASYNC_DELIVERY, "int", "boolean");
        t.add(UNIX_ASYNC_SERVER, "implClose", ACCEPT, ASYNC_SERVER, ASYNC_DELIVERY);
        t.add(ASYNC_SERVER_CLASS, "bind", BIND, ASYNC_SERVER, INSTANCE_AND_ARGUMENT, ADDRESS, "int");
        t.add(ASYNC_SERVER_CLASS, "setOption", OPTION, ASYNC_SERVER, INSTANCE_AND_ARGUMENT, OPTION_TYPE, OBJECT);
        t.add(ASYNC_SERVER_CLASS, "close", CLOSE, ASYNC_SERVER, INSTANCE);
        // UDP: DatagramChannel, and DatagramSocket, which on JDK 17+ is DatagramSocketAdaptor over the same
        // channel class. Failures only (no success-path code, no connection history: there is no
        // connection). The adaptor's send/receive are its outermost methods (they turn the channel's
        // ClosedChannelException into "Socket closed"), so the channel's blockingSend/blockingReceive
        // they call are not hooked. connect(SocketAddress,boolean) serves DatagramChannel.connect and the
        // adaptor's connect; bind(SocketAddress) serves both binds (new DatagramSocket(port) included).
        t.add(DATAGRAM_CLASS, "read", READ, DATAGRAM, INSTANCE, BUFFER);
        t.add(DATAGRAM_CLASS, "read", READ, DATAGRAM, INSTANCE, BUFFERS, "int", "int");
        t.add(DATAGRAM_CLASS, "receive", READ, DATAGRAM, INSTANCE, BUFFER);
        t.add(DATAGRAM_CLASS, "write", WRITE, DATAGRAM, INSTANCE, BUFFER);
        t.add(DATAGRAM_CLASS, "write", WRITE, DATAGRAM, INSTANCE, BUFFERS, "int", "int");
        t.add(DATAGRAM_CLASS, "send", WRITE, DATAGRAM, INSTANCE_AND_SECOND_ARGUMENT, BUFFER, ADDRESS);
        t.add(DATAGRAM_CLASS, "connect", CONNECT, DATAGRAM, INSTANCE_AND_ARGUMENT, ADDRESS, "boolean");
        t.add(DATAGRAM_CLASS, "bind", BIND, DATAGRAM, INSTANCE_AND_ARGUMENT, ADDRESS);
        t.add(DATAGRAM_CLASS, "setOption", OPTION, DATAGRAM, INSTANCE_AND_ARGUMENT, OPTION_TYPE, OBJECT);
        t.add(DATAGRAM_ADAPTOR, "send", WRITE, DATAGRAM, INSTANCE_AND_ARGUMENT, PACKET);
        t.add(DATAGRAM_ADAPTOR, "receive", READ, DATAGRAM, INSTANCE, PACKET);
        t.add(PROVIDER, "openDatagramChannel", CREATE, DATAGRAM, INSTANCE);
        t.add(PROVIDER, "openDatagramChannel", CREATE, DATAGRAM, INSTANCE_AND_ARGUMENT, "java.net.ProtocolFamily");
        t.add(PROVIDER, "openUninterruptibleDatagramChannel", CREATE, DATAGRAM, INSTANCE);
        // TLS (SSLSocket): the peer's EOF during the handshake becomes an SSLHandshakeException that no
        // socket site sees; every handshake (explicit, or started by the first read or write) runs in
        // startHandshake(boolean). Failures that passed through a socket site are not reported again.
        t.add(TLS_SOCKET, "startHandshake", READ, SOCKET, INSTANCE, "boolean");
        ALL = Collections.unmodifiableList(t.sites);
    }

    private HookSites() {
    }

    /** The site with this id, or null for an id this table does not have (e.g. the warm-up's). */
    public static HookSite byId(int id) {
        return id >= 0 && id < ALL.size() ? ALL.get(id) : null;
    }

    /** The TLS handshake site: reports only the peer's EOF during the handshake (see {@code Diagnostics}). */
    public static boolean isTlsHandshake(HookSite site) {
        return site.type().equals(TLS_SOCKET);
    }

    private static final class Table {
        final List<HookSite> sites = new ArrayList<>();

        void add(String type, String method, Op op, Api api, HookSite.Shape shape, String... parameters) {
            sites.add(new HookSite(sites.size(), type, method, List.of(parameters), op, api, shape, 0));
        }

        /** A SocketChannel read or write whose hook must know which of the two it is. */
        void io(String type, String method, Op op, HookSite.Shape shape, String... parameters) {
            sites.add(new HookSite(sites.size(), type, method, List.of(parameters), op, CHANNEL, shape,
                    op == READ ? Bridge.READ_DONE : Bridge.WRITE_DONE));
        }

        /** A site whose hook or rewrite needs {@code kind} (a Bridge event or READ_DONE/WRITE_DONE). */
        void event(String type, String method, Op op, Api api, HookSite.Shape shape, int kind, String... parameters) {
            sites.add(new HookSite(sites.size(), type, method, List.of(parameters), op, api, shape, kind));
        }

        /** {@code close()}, {@code shutdownOutput()}...: no parameters, reports {@code kind} on return. */
        void lifecycle(String type, String method, Api api, int kind) {
            sites.add(new HookSite(sites.size(), type, method, List.of(), CLOSE, api, LIFECYCLE, kind));
        }
    }
}
