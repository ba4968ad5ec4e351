package io.socketdoctor.it.probe;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.Version;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Netty client on a native transport ({@code epoll}, or {@code io_uring} on Netty 4.2) that fails
 * four ways on 127.0.0.1 against a plain {@code java.net} peer, printing for each one line
 * {@code <scenario>: caught <class>: <message> [cause <class>: <message>]} (the peer's port
 * replaced by {@code PORT}, so runs with and without the agent compare equal) and one line
 * {@code <scenario>: diagnosed=<true|false>} (a Socket Doctor note among the suppressed exceptions
 * of the exception or its causes). Only Netty API that 4.1 and 4.2 share is used for epoll.
 *
 * <ul>
 * <li>{@code refused}: connect to a port nobody listens on (ECONNREFUSED);</li>
 * <li>{@code reset-during-read}: the peer closes with SO_LINGER 0 while the client reads (ECONNRESET);</li>
 * <li>{@code write-after-reset}: the peer resets, then the client writes (ECONNRESET on write);</li>
 * <li>{@code broken-pipe}: the peer closes (FIN), the client writes (the peer answers RST), and
 *     writes again (EPIPE).</li>
 * </ul>
 * The writes run inside one event-loop task, so the loop cannot read the RST before the write
 * meets it. Every wait is bounded.
 */
public final class NettyProbe {

    private static final long WAIT_MS = 10_000;

    /** The transport: an event loop group and its client channel class. */
    public interface Transport {
        EventLoopGroup group();

        Class<? extends SocketChannel> channel();
    }

    private NettyProbe() {
    }

    public static void main(String[] args) throws Exception {
        String transport = args.length > 0 ? args[0] : "epoll";
        Transport t = transport.equals("io_uring") ? NettyUringTransport.create() : new EpollTransport();
        System.out.println("netty " + Version.identify().get("netty-transport").artifactVersion() + " " + transport);
        EventLoopGroup group = t.group();
        try {
            refused(group, t.channel());
            resetDuringRead(group, t.channel());
            writeAfterReset(group, t.channel());
            brokenPipe(group, t.channel());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(WAIT_MS);
        }
        System.out.println("done");
    }

    private static void refused(EventLoopGroup group, Class<? extends SocketChannel> type) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ChannelFuture f = bootstrap(group, type, new ChannelInboundHandlerAdapter())
                .connect(new InetSocketAddress("127.0.0.1", port));
        if (!f.await(WAIT_MS)) {
            throw new IllegalStateException("connect did not complete");
        }
        report("refused", f.cause(), port);
    }

    private static void resetDuringRead(EventLoopGroup group, Class<? extends SocketChannel> type) throws Exception {
        CompletableFuture<Throwable> caught = new CompletableFuture<>();
        try (ServerSocket server = listen()) {
            ChannelInboundHandlerAdapter handler = new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    caught.complete(cause);
                    ctx.close();
                }
            };
            Channel ch = connect(group, type, handler, server);
            try (Socket peer = server.accept()) {
                peer.setSoLinger(true, 0); // close sends RST while the client's loop waits to read
            }
            report("reset-during-read", caught.get(WAIT_MS, TimeUnit.MILLISECONDS), server.getLocalPort());
            ch.close().await(WAIT_MS);
        }
    }

    private static void writeAfterReset(EventLoopGroup group, Class<? extends SocketChannel> type) throws Exception {
        try (ServerSocket server = listen()) {
            Channel ch = connect(group, type, new ChannelInboundHandlerAdapter(), server);
            Socket peer = server.accept();
            CompletableFuture<ChannelFuture[]> writes = new CompletableFuture<>();
            ch.eventLoop().execute(() -> {
                try {
                    peer.setSoLinger(true, 0);
                    peer.close(); // RST
                    Thread.sleep(300); // the RST arrives; the loop is busy here, so nothing reads it
                    writes.complete(new ChannelFuture[] {
                        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}))});
                } catch (Throwable e) {
                    writes.completeExceptionally(e);
                }
            });
            report("write-after-reset", firstFailure(writes), server.getLocalPort());
            ch.close().await(WAIT_MS);
        }
    }

    private static void brokenPipe(EventLoopGroup group, Class<? extends SocketChannel> type) throws Exception {
        try (ServerSocket server = listen()) {
            Channel ch = connect(group, type, new ChannelInboundHandlerAdapter(), server);
            Socket peer = server.accept();
            CompletableFuture<ChannelFuture[]> writes = new CompletableFuture<>();
            ch.eventLoop().execute(() -> {
                try {
                    peer.close(); // FIN: the client is now in CLOSE_WAIT
                    Thread.sleep(200);
                    ChannelFuture first = ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1}));
                    Thread.sleep(300); // the closed peer answers that data with RST
                    writes.complete(new ChannelFuture[] {first,
                        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {2}))});
                } catch (Throwable e) {
                    writes.completeExceptionally(e);
                }
            });
            report("broken-pipe", firstFailure(writes), server.getLocalPort());
            ch.close().await(WAIT_MS);
        }
    }

    /** The first failure among the writes (epoll completes them in the task; io_uring later, on the loop). */
    private static Throwable firstFailure(CompletableFuture<ChannelFuture[]> writes) throws Exception {
        for (ChannelFuture w : writes.get(WAIT_MS, TimeUnit.MILLISECONDS)) {
            if (!w.await(WAIT_MS)) {
                throw new IllegalStateException("write did not complete");
            }
            if (w.cause() != null) {
                return w.cause();
            }
        }
        return null;
    }

    private static ServerSocket listen() throws Exception {
        return new ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress());
    }

    private static Bootstrap bootstrap(EventLoopGroup group, Class<? extends SocketChannel> type,
                                       ChannelInboundHandlerAdapter handler) {
        return new Bootstrap().group(group).channel(type).handler(handler)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000);
    }

    private static Channel connect(EventLoopGroup group, Class<? extends SocketChannel> type,
                                   ChannelInboundHandlerAdapter handler, ServerSocket server) throws Exception {
        ChannelFuture f = bootstrap(group, type, handler)
                .connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()));
        if (!f.await(WAIT_MS) || !f.isSuccess()) {
            throw new IllegalStateException("connect failed", f.cause());
        }
        return f.channel();
    }

    private static void report(String scenario, Throwable t, int port) {
        StringBuilder line = new StringBuilder(scenario).append(": caught ").append(describe(t, port));
        if (t != null && t.getCause() != null) {
            line.append(" cause ").append(describe(t.getCause(), port));
        }
        System.out.println(line);
        System.out.println(scenario + ": diagnosed=" + diagnosed(t));
    }

    private static String describe(Throwable t, int port) {
        if (t == null) {
            return "nothing";
        }
        String message = String.valueOf(t.getMessage()).replace(":" + port, ":PORT");
        return t.getClass().getName() + ": " + message;
    }

    private static boolean diagnosed(Throwable t) {
        for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
            for (Throwable s : t.getSuppressed()) {
                if (String.valueOf(s.getMessage()).startsWith("[socket-doctor]")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Netty's epoll transport, through the API that 4.1 and 4.2 share. */
    @SuppressWarnings("deprecation")
    static final class EpollTransport implements Transport {
        @Override
        public EventLoopGroup group() {
            return new io.netty.channel.epoll.EpollEventLoopGroup(1);
        }

        @Override
        public Class<? extends SocketChannel> channel() {
            return io.netty.channel.epoll.EpollSocketChannel.class;
        }
    }
}
