package io.socketdoctor.it.probe;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Real third-party and JDK clients failing on 127.0.0.1 (issue 15): the JDK's {@code HttpClient},
 * OkHttp 5, Netty's NIO transport (no native transport) and the JDK's {@code SSLSocket}, each
 * against a plain {@code java.net} server that this probe runs on an ephemeral loopback port.
 * Each argument is one scenario; each prints one line {@code <scenario>: <what the application
 * saw>} (an exception's class and message with its causes, or the responses), with every
 * {@code 127.0.0.1:<port>} written {@code 127.0.0.1:PORT} so that runs compare equal. With
 * {@code -Dprobe.stacks=true} it also prints, on stderr, the thread and the full stack (causes and
 * suppressed notes included) of each exception the application saw.
 *
 * <p>Scenarios: {@code httpclient-refused}, {@code httpclient-reset}, {@code httpclient-tls-reset},
 * {@code okhttp-refused}, {@code okhttp-reset}, {@code okhttp-stale},
 * {@code okhttp-close-wait[=SECONDS]} (idle that long with four pooled connections in CLOSE_WAIT;
 * 3 s when not given), {@code netty-nio-refused}, {@code netty-nio-reset}, {@code tls-reset},
 * {@code tls-close}, {@code channel-reset-then-closed}. The servers are daemon threads whose every accept and read has a timeout;
 * every client call has one too.
 */
public final class RealClientsProbe {

    private static final InetAddress LOOPBACK = loopback();
    private static final int TIMEOUT_MS = 5_000;
    private static final boolean STACKS = Boolean.getBoolean("probe.stacks");
    private static final String PASSWORD = "socket-doctor-probe";

    private static SSLContext tls;

    private RealClientsProbe() {
    }

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            String scenario = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String seen = switch (scenario) {
                case "httpclient-refused" -> httpClientRefused();
                case "httpclient-reset" -> httpClientReset();
                case "httpclient-tls-reset" -> httpClientTlsReset();
                case "okhttp-refused" -> okHttpRefused();
                case "okhttp-reset" -> okHttpReset();
                case "okhttp-stale" -> okHttpStale();
                case "okhttp-close-wait" -> okHttpCloseWait(
                        arg.contains("=") ? Integer.parseInt(arg.substring(arg.indexOf('=') + 1)) : 3);
                case "netty-nio-refused" -> nettyNioRefused();
                case "netty-nio-reset" -> nettyNioReset();
                case "tls-reset" -> tlsReset();
                case "tls-close" -> tlsClose();
                case "channel-reset-then-closed" -> channelResetThenClosed();
                default -> throw new IllegalArgumentException("unknown scenario " + arg);
            };
            System.out.println(scenario + ": " + seen.replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:PORT"));
        }
        // Give an agent's event writer time before the JVM exits; the same pause with and without it.
        Thread.sleep(800);
    }

    // ---------------------------------------------------------------- the JDK's HttpClient

    private static String httpClientRefused() throws Exception {
        return fetchRefused(httpClient(null), closedPort());
    }

    /** GET to a port nobody listens on. */
    private static String fetchRefused(HttpClient client, int port) {
        try {
            return httpClientGet(client, "http://127.0.0.1:" + port + "/refused");
        } catch (Exception e) {
            return caught("httpclient-refused", e);
        }
    }

    private static String httpClientReset() throws Exception {
        try (Server server = new Server("probe-server-reset", RealClientsProbe::resetAfterRequest)) {
            return fetchReset(httpClient(null), server.port()) + " | server accepted " + server.accepted();
        }
    }

    /** GET to a server that reads the request and resets the connection. */
    private static String fetchReset(HttpClient client, int port) {
        try {
            return httpClientGet(client, "http://127.0.0.1:" + port + "/reset");
        } catch (Exception e) {
            return caught("httpclient-reset", e);
        }
    }

    private static String httpClientTlsReset() throws Exception {
        SSLContext context = tlsContext();
        try (Server server = new Server("probe-server-tls-reset", plain -> {
                SSLSocket s = serverSide(context, plain);
                s.startHandshake();
                readRequestHead(s.getInputStream());
                reset(plain); // under the TLS socket: no close_notify, a RST
            })) {
            return fetchTlsReset(httpClient(context), server.port()) + " | server accepted " + server.accepted();
        }
    }

    /** GET over TLS to a server that completes the handshake, reads the request and resets. */
    private static String fetchTlsReset(HttpClient client, int port) {
        try {
            return httpClientGet(client, "https://127.0.0.1:" + port + "/tls-reset");
        } catch (Exception e) {
            return caught("httpclient-tls-reset", e);
        }
    }

    private static HttpClient httpClient(SSLContext context) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(TIMEOUT_MS));
        if (context != null) {
            builder.sslContext(context);
        }
        return builder.build();
    }

    private static String httpClientGet(HttpClient client, String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMillis(TIMEOUT_MS)).GET().build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return "HTTP " + response.statusCode() + " " + response.body();
    }

    // ---------------------------------------------------------------- OkHttp

    private static String okHttpRefused() throws Exception {
        OkHttpClient client = okHttp();
        try {
            return callRefused(client, closedPort());
        } finally {
            shutDown(client);
        }
    }

    /** GET to a port nobody listens on. */
    private static String callRefused(OkHttpClient client, int port) {
        try {
            return okHttpGet(client, "http://127.0.0.1:" + port + "/refused");
        } catch (Exception e) {
            return caught("okhttp-refused", e);
        }
    }

    private static String okHttpReset() throws Exception {
        OkHttpClient client = okHttp();
        try (Server server = new Server("probe-server-reset", RealClientsProbe::resetAfterRequest)) {
            return callReset(client, server.port()) + " | server accepted " + server.accepted();
        } finally {
            shutDown(client);
        }
    }

    /** GET to a server that reads the request and resets the connection. */
    private static String callReset(OkHttpClient client, int port) {
        try {
            return okHttpGet(client, "http://127.0.0.1:" + port + "/reset");
        } catch (Exception e) {
            return caught("okhttp-reset", e);
        }
    }

    /**
     * Two GETs 2 s apart on the default pool, to a keep-alive server that closes a connection after
     * 1.5 s without a request: the second GET goes out on the pooled connection the server has
     * closed, and OkHttp retries it on a new one. The application sees two successes.
     */
    private static String okHttpStale() throws Exception {
        OkHttpClient client = okHttp();
        try (Server server = new Server("probe-server-keepalive", plain -> keepAlive(plain, 1500))) {
            String url = "http://127.0.0.1:" + server.port() + "/stale";
            String first = callPooled(client, url);
            Thread.sleep(2000);
            String second = callPooled(client, url);
            return first + ", then " + second + " | server accepted " + server.accepted();
        } finally {
            shutDown(client);
        }
    }

    /** One GET that may go out on a pooled connection. */
    private static String callPooled(OkHttpClient client, String url) {
        try {
            return okHttpGet(client, url);
        } catch (Exception e) {
            return caught("okhttp-stale", e);
        }
    }

    /**
     * Four concurrent GETs (four connections, answered together), after which the server closes all
     * four sockets (FIN) 0.5 s later; the pool keeps them, so they sit in CLOSE_WAIT while this
     * program idles for {@code idleSeconds}.
     */
    private static String okHttpCloseWait(int idleSeconds) throws Exception {
        if (idleSeconds < 0 || idleSeconds > 120) {
            throw new IllegalArgumentException("idle seconds out of range: " + idleSeconds);
        }
        OkHttpClient client = okHttp();
        int n = 4;
        CountDownLatch allIn = new CountDownLatch(n);
        CountDownLatch answered = new CountDownLatch(n);
        List<Socket> open = new CopyOnWriteArrayList<>();
        try (Server server = new Server("probe-server-pool", plain -> {
                open.add(plain);
                InputStream in = plain.getInputStream();
                readRequestHead(in);
                allIn.countDown();
                if (!allIn.await(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                    throw new IOException("not all requests came in");
                }
                respond(plain.getOutputStream(), "pooled");
                answered.countDown(); // the socket stays open: closed below, all four together
            }, false)) {
            String url = "http://127.0.0.1:" + server.port() + "/pool";
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                CompletableFuture<String> call = new CompletableFuture<>();
                calls.add(call);
                Thread t = new Thread(() -> {
                    try {
                        call.complete(okHttpGet(client, url));
                    } catch (Throwable e) {
                        call.complete(caught("okhttp-close-wait", e));
                    }
                }, "probe-okhttp-caller-" + i);
                t.setDaemon(true);
                t.start();
            }
            List<String> results = new ArrayList<>();
            for (CompletableFuture<String> call : calls) {
                results.add(call.get(2L * TIMEOUT_MS, TimeUnit.MILLISECONDS));
            }
            if (!answered.await(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the server did not answer all");
            }
            Thread.sleep(500);
            for (Socket s : open) {
                s.close(); // FIN: each pooled client socket goes to CLOSE_WAIT
            }
            int pooled = client.connectionPool().connectionCount();
            Thread.sleep(idleSeconds * 1000L); // idle: nothing reads those sockets, nobody closes them
            int stillPooled = client.connectionPool().connectionCount();
            return String.join(", ", results) + " | server accepted " + server.accepted() + " | pool held " + pooled
                    + " connections, " + stillPooled + " after " + idleSeconds + " s idle";
        } finally {
            shutDown(client);
        }
    }

    private static OkHttpClient okHttp() {
        return new OkHttpClient.Builder()
                .connectTimeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .readTimeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .writeTimeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .callTimeout(2L * TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .connectionPool(new ConnectionPool()) // the default: 5 idle connections, 5 min
                .build();
    }

    private static String okHttpGet(OkHttpClient client, String url) throws IOException {
        try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
            return "HTTP " + response.code() + " " + response.body().string();
        }
    }

    /** Closes the pooled sockets and stops the client's threads, so that the JVM can exit. */
    private static void shutDown(OkHttpClient client) {
        client.connectionPool().evictAll();
        client.dispatcher().executorService().shutdown();
    }

    // ---------------------------------------------------------------- Netty NIO

    @SuppressWarnings("deprecation") // NioEventLoopGroup: what most Netty 4.x code still writes
    private static String nettyNioRefused() throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            return connectRefused(group, closedPort());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(TIMEOUT_MS);
        }
    }

    /** Connects to a port nobody listens on. */
    private static String connectRefused(EventLoopGroup group, int port) throws Exception {
        ChannelFuture f = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, TIMEOUT_MS)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new InetSocketAddress(LOOPBACK, port));
        if (!f.await(2L * TIMEOUT_MS)) {
            throw new IllegalStateException("connect did not complete");
        }
        return f.cause() == null ? "connected" : caught("netty-nio-refused", f.cause());
    }

    @SuppressWarnings("deprecation")
    private static String nettyNioReset() throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(1);
        try (Server server = new Server("probe-server-reset", RealClientsProbe::resetAfterRequest)) {
            return requestReset(group, server.port()) + " | server accepted " + server.accepted();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(TIMEOUT_MS);
        }
    }

    /** An HTTP GET through Netty's HTTP codec to a server that reads it and resets the connection. */
    private static String requestReset(EventLoopGroup group, int port) throws Exception {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        ChannelFuture f = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, TIMEOUT_MS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                        outcome.complete("HTTP " + r.status().code() + " "
                                                + r.content().toString(StandardCharsets.UTF_8));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        outcome.complete(caught("netty-nio-reset", cause));
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        outcome.complete("closed without a response or an exception");
                                    }
                                });
                    }
                })
                .connect(new InetSocketAddress(LOOPBACK, port));
        if (!f.await(2L * TIMEOUT_MS) || !f.isSuccess()) {
            throw new IllegalStateException("connect failed", f.cause());
        }
        Channel ch = f.channel();
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/reset");
        request.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + port);
        ch.writeAndFlush(request);
        try {
            return outcome.get(2L * TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } finally {
            ch.close().await(TIMEOUT_MS);
        }
    }

    // ---------------------------------------------------------------- SSLSocket

    /** Handshake done, the client sends a byte, the server resets; the client reads, then closes. */
    private static String tlsReset() throws Exception {
        SSLContext context = tlsContext();
        CountDownLatch reset = new CountDownLatch(1);
        try (Server server = new Server("probe-server-tls", plain -> tlsPeerThatResets(context, plain, reset))) {
            return readAfterPeerReset(context, server.port());
        }
    }

    /** The read fails; leaving the block closes the SSLSocket, whose TLS close path writes close_notify. */
    private static String readAfterPeerReset(SSLContext context, int port) {
        try (SSLSocket client = tlsConnect(context, port)) {
            client.startHandshake();
            client.getOutputStream().write('g');
            client.getOutputStream().flush();
            int n = client.getInputStream().read();
            return "read returned " + n;
        } catch (Exception e) {
            return caught("tls-reset", e);
        }
    }

    /** The same peer; the client does not read after the reset, it only closes the SSLSocket. */
    private static String tlsClose() throws Exception {
        SSLContext context = tlsContext();
        CountDownLatch reset = new CountDownLatch(1);
        try (Server server = new Server("probe-server-tls", plain -> tlsPeerThatResets(context, plain, reset))) {
            return closeAfterPeerReset(context, server.port(), reset);
        }
    }

    private static String closeAfterPeerReset(SSLContext context, int port, CountDownLatch reset) {
        try {
            SSLSocket client = tlsConnect(context, port);
            client.startHandshake();
            client.getOutputStream().write('g');
            client.getOutputStream().flush();
            if (!reset.await(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the peer did not reset in time");
            }
            Thread.sleep(100); // the RST is on loopback: processed by now
            client.close(); // writes close_notify into the reset connection
            return "closed without an exception";
        } catch (Exception e) {
            return caught("tls-close", e);
        }
    }

    private static void tlsPeerThatResets(SSLContext context, Socket plain, CountDownLatch reset) throws IOException {
        SSLSocket s = serverSide(context, plain);
        s.startHandshake();
        if (s.getInputStream().read() != 'g') {
            throw new IOException("no go");
        }
        reset(plain); // under the TLS socket: no close_notify, a RST
        reset.countDown();
    }

    private static SSLSocket tlsConnect(SSLContext context, int port) throws IOException {
        SSLSocket client = (SSLSocket) context.getSocketFactory().createSocket();
        client.connect(new InetSocketAddress(LOOPBACK, port), TIMEOUT_MS);
        client.setSoTimeout(TIMEOUT_MS);
        return client;
    }

    private static SSLSocket serverSide(SSLContext context, Socket plain) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, null, plain.getPort(), false);
        s.setUseClientMode(false);
        return s;
    }

    /**
     * A TLS context that trusts and presents one fresh self-signed EC key for 127.0.0.1, made by the
     * running JDK's keytool in a temporary directory (deleted again).
     */
    private static synchronized SSLContext tlsContext() throws Exception {
        if (tls != null) {
            return tls;
        }
        Path dir = Files.createTempDirectory("real-clients-tls");
        Path keyStore = dir.resolve("server.p12");
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                    "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                    "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(keyStore.toFile())) {
                ks.load(in, PASSWORD.toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            tls = c;
            return c;
        } finally {
            Files.deleteIfExists(keyStore);
            Files.deleteIfExists(dir);
        }
    }

    // ---------------------------------------------------------------- the plain java.net servers

    private interface Handler {
        void handle(Socket accepted) throws Exception;
    }

    /**
     * A plain {@code java.net.ServerSocket} on 127.0.0.1 that accepts at most 8 connections on a
     * daemon thread and handles each on a thread of its own. Closing it stops the acceptor by a
     * connection of its own rather than by closing the listening socket under a pending accept, so
     * the server side throws nothing an agent would report.
     */
    private static final class Server implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger accepted = new AtomicInteger();
        private final Thread acceptor;
        private volatile boolean closing;

        Server(String name, Handler handler) throws IOException {
            this(name, handler, true);
        }

        /**
         * @param closeAfter whether an accepted socket is closed when its handler returns; when false
         *                   it stays open (the scenario closes it)
         */
        Server(String name, Handler handler, boolean closeAfter) throws IOException {
            socket = new ServerSocket(0, 50, LOOPBACK);
            socket.setSoTimeout(150_000); // a bound only: close() wakes the acceptor long before
            acceptor = new Thread(() -> {
                for (int i = 0; i < 8; i++) {
                    Socket s;
                    try {
                        s = socket.accept();
                    } catch (IOException e) {
                        System.err.println(name + " stopped: " + e);
                        return;
                    }
                    if (closing) {
                        closeQuietly(s); // the wake-up connection
                        return;
                    }
                    int n = accepted.incrementAndGet();
                    Thread t = new Thread(() -> {
                        try {
                            s.setSoTimeout(TIMEOUT_MS);
                            handler.handle(s);
                        } catch (Exception e) {
                            System.err.println(name + " failed: " + e);
                        } finally {
                            if (closeAfter) {
                                closeQuietly(s);
                            }
                        }
                    }, name + "-" + n);
                    t.setDaemon(true);
                    t.start();
                }
            }, name + "-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        /** The connections accepted so far. */
        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws Exception {
            closing = true;
            if (acceptor.isAlive()) {
                try (Socket wake = new Socket()) {
                    wake.connect(new InetSocketAddress(LOOPBACK, port()), TIMEOUT_MS);
                }
                acceptor.join(TIMEOUT_MS);
            }
            socket.close();
        }
    }

    private static void resetAfterRequest(Socket s) throws IOException {
        readRequestHead(s.getInputStream());
        reset(s);
    }

    /**
     * HTTP/1.1 keep-alive: answers each request, and closes (FIN) once no request came for
     * {@code idleMillis}. It waits by polling {@code available()}, not by a read timeout, so that the
     * server itself throws nothing.
     */
    private static void keepAlive(Socket s, long idleMillis) throws Exception {
        InputStream in = s.getInputStream();
        for (int served = 0; served < 8; served++) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(served == 0 ? TIMEOUT_MS : idleMillis);
            while (in.available() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (in.available() == 0) {
                return; // idle too long: the caller closes it
            }
            if (readRequestHead(in) == null) {
                return;
            }
            respond(s.getOutputStream(), "ok");
        }
    }

    private static void respond(OutputStream out, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + b.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    /** Reads up to the blank line that ends a request's head (GETs only: no body); null on EOF. */
    private static String readRequestHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (head.size() < 16_384) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == end.length) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        throw new IOException("request head too long");
    }

    private static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** A loopback port that was free a moment ago: bound, then closed again. */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    // ---------------------------------------------------------------- a consequence, and a stranger

    /**
     * What a client library does with a SocketChannel: the read fails with a reset, the library
     * closes the channel, and its writer thread, which did not know yet, writes to it
     * (ClosedChannelException: a consequence of the reset). Then an unrelated channel that the
     * code closed itself, without any failure, is written to: its own story, never linked.
     */
    private static String channelResetThenClosed() throws Exception {
        StringBuilder seen = new StringBuilder();
        try (Server server = new Server("probe-server-reset", RealClientsProbe::resetAfterRequest)) {
            java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(new InetSocketAddress(LOOPBACK, server.port()));
            channel.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            try {
                channel.read(ByteBuffer.allocate(64));
                seen.append("read returned");
            } catch (IOException e) {
                seen.append(caught("reset", e));
            }
            channel.close(); // the library's error path
            Thread writer = new Thread(() -> seen.append(" / ").append(writeTo(channel)), "probe-library-writer");
            writer.start();
            writer.join(TIMEOUT_MS);
            java.nio.channels.SocketChannel stranger = java.nio.channels.SocketChannel.open(new InetSocketAddress(LOOPBACK, server.port()));
            stranger.close();
            seen.append(" / ").append(writeTo(stranger));
        }
        return seen.toString();
    }

    private static String writeTo(java.nio.channels.SocketChannel channel) {
        try {
            channel.write(ByteBuffer.wrap(new byte[] {1}));
            return "wrote";
        } catch (IOException e) {
            return caught("write", e);
        }
    }

    // ---------------------------------------------------------------- what the application saw

    /** {@code caught <class>: <message> | cause <class>: <message> ...}; the full stack on stderr if asked. */
    private static String caught(String scenario, Throwable t) {
        if (STACKS) {
            synchronized (System.err) {
                System.err.println("=== " + scenario + ": the application got this on thread "
                        + Thread.currentThread().getName());
                t.printStackTrace();
            }
        }
        StringBuilder line = new StringBuilder("caught ");
        int depth = 0;
        for (Throwable c = t; c != null && depth < 8; c = c.getCause(), depth++) {
            if (depth > 0) {
                line.append(" | cause ");
            }
            line.append(c.getClass().getName()).append(": ").append(c.getMessage());
        }
        return line.toString();
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
