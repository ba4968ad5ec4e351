package io.socketdoctor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.SocketException;
import org.junit.jupiter.api.Test;

/**
 * The TLS phase from the frames of a failure. The frames below are the ones the JDK's SSLSocket
 * has on JDK 17 and 25 (the integration test {@code TlsIT} checks the real ones on both).
 */
class TlsContextTest {

    private static final StackTraceElement SOCKET_READ = frame("java.net.Socket$SocketInputStream", "read");
    private static final StackTraceElement SOCKET_WRITE = frame("java.net.Socket$SocketOutputStream", "write");
    private static final StackTraceElement APP = frame("com.acme.Client", "call");

    private static StackTraceElement frame(String type, String method) {
        return new StackTraceElement(type, method, "X.java", 1);
    }

    private static String of(StackTraceElement... frames) {
        SocketException e = new SocketException("Connection reset");
        e.setStackTrace(frames);
        return TlsContext.of(e);
    }

    @Test
    void aPlainSocketHasNoTlsContext() {
        assertNull(of(SOCKET_READ, APP));
        assertNull(of());
    }

    @Test
    void aReadForTheHandshakeIsHandshake() {
        assertEquals("handshake", of(SOCKET_READ, frame("sun.security.ssl.SSLSocketInputRecord", "read"),
                frame("sun.security.ssl.SSLSocketImpl", "readHandshakeRecord"),
                frame("sun.security.ssl.SSLSocketImpl", "startHandshake"),
                frame("sun.security.ssl.SSLSocketImpl", "startHandshake"), APP));
        // the application's first read started the handshake
        assertEquals("handshake", of(SOCKET_READ, frame("sun.security.ssl.SSLSocketImpl", "readHandshakeRecord"),
                frame("sun.security.ssl.SSLSocketImpl", "startHandshake"),
                frame("sun.security.ssl.SSLSocketImpl", "ensureNegotiated"),
                frame("sun.security.ssl.SSLSocketImpl$AppInputStream", "read"), APP));
    }

    @Test
    void applicationDataAfterTheHandshakeIsEstablished() {
        assertEquals("established", of(SOCKET_READ, frame("sun.security.ssl.SSLSocketInputRecord", "read"),
                frame("sun.security.ssl.SSLSocketImpl", "readApplicationRecord"),
                frame("sun.security.ssl.SSLSocketImpl$AppInputStream", "read"), APP));
        assertEquals("established", of(SOCKET_WRITE, frame("sun.security.ssl.SSLSocketOutputRecord", "deliver"),
                frame("sun.security.ssl.SSLSocketImpl$AppOutputStream", "write"), APP));
    }

    @Test
    void theTlsLayersOwnAlertOrCloseNotifyIsInternal() {
        assertEquals(TlsContext.INTERNAL, of(SOCKET_WRITE, frame("sun.security.ssl.SSLSocketOutputRecord", "encodeAlert"),
                frame("sun.security.ssl.TransportContext", "fatal"),
                frame("sun.security.ssl.SSLSocketImpl", "handleException"),
                frame("sun.security.ssl.SSLSocketImpl", "startHandshake"), APP));
        assertEquals(TlsContext.INTERNAL, of(SOCKET_WRITE, frame("sun.security.ssl.TransportContext", "closeNotify"),
                frame("sun.security.ssl.SSLSocketImpl", "duplexCloseOutput"),
                frame("sun.security.ssl.SSLSocketImpl", "close"), APP));
    }

    @Test
    void onlyTheJdkFramesBelowTheApplicationCount() {
        // A TLS socket in the application's own code further up (a proxy relaying to a TLS upstream) is not this I/O's.
        assertNull(of(SOCKET_READ, APP, frame("sun.security.ssl.SSLSocketImpl", "startHandshake")));
    }

    @Test
    void theCurrentThreadOfATestIsNotTls() {
        assertNull(TlsContext.ofCurrentThread());
    }
}
