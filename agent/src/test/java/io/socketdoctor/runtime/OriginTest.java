package io.socketdoctor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.socketdoctor.classify.ErrorTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** site, app_site, library and knob read from one stack, against the table's libraries and site.skip. */
class OriginTest {

    private static final Origin.Libraries LIBRARIES =
            new Origin.Libraries(ErrorTable.load().libraries(), List.of("com.acme.net."));

    private static StackTraceElement jdk(String className, String method) {
        return new StackTraceElement(null, "java.base", null, className, method, className + ".java", 10);
    }

    private static StackTraceElement frame(String className, String method, int line) {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        return new StackTraceElement(className, method, simple + ".java", line);
    }

    @Test
    void okhttpOverTheApplication() {
        StackTraceElement[] stack = {
            jdk("sun.nio.ch.NioSocketImpl", "read"),
            jdk("java.net.Socket$SocketInputStream", "read"),
            frame("okio.internal.DefaultSocket$SocketSource", "read", 124),
            frame("okhttp3.internal.http1.Http1ExchangeCodec", "readResponseHeaders", 200),
            frame("okhttp3.internal.connection.RealCall", "execute", 150),
            frame("com.acme.shop.Checkout", "pay", 42),
            frame("com.acme.shop.Main", "main", 7)};
        Origin o = Origin.of(stack, "main", LIBRARIES);
        assertEquals("okio.internal.DefaultSocket$SocketSource.read(DefaultSocket$SocketSource.java:124)", o.site(),
                "site stays the first frame outside the JDK");
        assertEquals("com.acme.shop.Checkout.pay(Checkout.java:42)", o.appSite());
        assertEquals("okhttp", o.library());
        assertEquals(ErrorTable.load().libraries().stream().filter(l -> l.name().equals("okhttp")).findFirst()
                .orElseThrow().knob(), o.knob());
    }

    @Test
    void theOutermostLibraryWithAKnobGivesTheKnobTheInnermostGivesTheName() {
        StackTraceElement[] stack = {
            jdk("sun.nio.ch.NioSocketImpl", "read"),
            frame("org.postgresql.core.PGStream", "receiveChar", 10),
            frame("org.postgresql.jdbc.PgStatement", "executeQuery", 20),
            frame("com.zaxxer.hikari.pool.HikariProxyStatement", "executeQuery", 30),
            frame("com.acme.net.Retry", "run", 5),
            frame("com.acme.repo.Orders", "load", 40)};
        Origin o = Origin.of(stack, "worker-1", LIBRARIES);
        assertEquals("pgjdbc", o.library());
        assertEquals("com.acme.repo.Orders.load(Orders.java:40)", o.appSite(), "site.skip's package is skipped too");
        assertEquals(true, o.knob().startsWith("HikariCP's maxLifetime"), o.knob());
    }

    @Test
    void aSelectorThreadOfTheJdkHttpClientHasNoApplicationFrameButALibrary() {
        StackTraceElement[] stack = {
            jdk("sun.nio.ch.SocketChannelImpl", "finishConnect"),
            new StackTraceElement(null, "java.net.http", null, "jdk.internal.net.http.PlainHttpConnection$ConnectEvent",
                    "handle", "PlainHttpConnection.java", 100),
            new StackTraceElement(null, "java.net.http", null, "jdk.internal.net.http.HttpClientImpl$SelectorManager",
                    "run", "HttpClientImpl.java", 900),
            jdk("java.lang.Thread", "run")};
        Origin o = Origin.of(stack, "HttpClient-1-SelectorManager", LIBRARIES);
        assertNull(o.site());
        assertNull(o.appSite());
        assertEquals("jdk.httpclient", o.library());
    }

    @Test
    void aNettyEventLoopIsNamedByItsThreadWhenTheStackSaysNothing() {
        Origin o = Origin.of(new StackTraceElement[0], "nioEventLoopGroup-2-1", LIBRARIES);
        assertEquals("netty", o.library());
        assertNull(Origin.of(new StackTraceElement[0], "main", LIBRARIES).library());
    }

    @Test
    void plainApplicationCodeHasNoLibrary() {
        StackTraceElement[] stack = {jdk("sun.nio.ch.NioSocketImpl", "connect"), frame("com.acme.Main", "main", 3)};
        Origin o = Origin.of(stack, "main", LIBRARIES);
        assertEquals(o.site(), o.appSite());
        assertNull(o.library());
        assertNull(o.knob());
    }
}
