package io.socketdoctor.runtime;

import io.socketdoctor.classify.Facts;

/**
 * Whether a socket read or write was done by the JDK's TLS layer ({@code sun.security.ssl}, the
 * {@code SSLSocket} implementation) and in which phase, told from the frames of the failing thread
 * alone: no call into the TLS socket (its {@code getSession()} would start a handshake, its
 * {@code getHandshakeSession()} takes its lock), no hook on the success path, nothing shared.
 *
 * <p>{@code SSLSocketImpl} reads and writes its records through the plain socket streams that
 * Socket Doctor instruments, so below the application's frame the stack of a failing TLS read or
 * write holds {@code sun.security.ssl} frames:
 * <ul>
 * <li>{@code SSLSocketImpl.startHandshake} / {@code readHandshakeRecord}: the handshake (also
 *     when the application's first read or write started it);</li>
 * <li>{@code TransportContext.fatal}, {@code SSLSocketImpl.close}: the TLS layer's own alert or
 *     close_notify after a failure or at close; the JDK swallows a failure of that write, so it is
 *     {@link #INTERNAL} and never reported (the failure that caused it already was);</li>
 * <li>any other {@code sun.security.ssl} frame: application data on an established session.</li>
 * </ul>
 * The names are the same on JDK 17 and 25 ({@code javap -p}). Only the JDK frames between the
 * socket and the first application frame are looked at, at most {@link #MAX_FRAMES}.
 */
final class TlsContext {

    /** A write of the TLS layer's own (alert, close_notify) whose failure the JDK swallows. */
    static final String INTERNAL = "internal";

    static final int MAX_FRAMES = 128;

    private static final String SSL_PACKAGE = "sun.security.ssl.";
    private static final String SSL_SOCKET = "sun.security.ssl.SSLSocketImpl";
    private static final String TRANSPORT = "sun.security.ssl.TransportContext";

    private static final StackWalker WALKER = StackWalker.getInstance();

    private TlsContext() {
    }

    /** From a failure's own stack trace: {@link Facts#TLS_HANDSHAKE}, {@link Facts#TLS_ESTABLISHED}, {@link #INTERNAL} or null. */
    static String of(Throwable thrown) {
        StackTraceElement[] frames = thrown.getStackTrace();
        Verdict v = new Verdict();
        for (int i = 0; i < frames.length && i < MAX_FRAMES; i++) {
            if (!v.frame(frames[i].getClassName(), frames[i].getMethodName())) {
                break;
            }
        }
        return v.result();
    }

    /** The same, from the current thread's frames (for a write that did not fail: the warnings). */
    static String ofCurrentThread() {
        return WALKER.walk(Walk.INSTANCE);
    }

    /** A class, not a lambda: nothing to link when first used. */
    private static final class Walk
            implements java.util.function.Function<java.util.stream.Stream<StackWalker.StackFrame>, String> {
        static final Walk INSTANCE = new Walk();

        @Override
        public String apply(java.util.stream.Stream<StackWalker.StackFrame> frames) {
            Verdict v = new Verdict();
            java.util.Iterator<StackWalker.StackFrame> it = frames.iterator();
            for (int i = 0; it.hasNext() && i < MAX_FRAMES; i++) {
                StackWalker.StackFrame f = it.next();
                String c = f.getClassName();
                if (CallSite.isAgent(c)) {
                    continue; // the agent's own frames on top of the walk
                }
                if (!v.frame(c, f.getMethodName())) {
                    break;
                }
            }
            return v.result();
        }
    }

    /** Frames from the innermost outwards, until the first frame outside the JDK. */
    private static final class Verdict {
        boolean tls;
        boolean handshake;
        boolean internal;

        /** false once past the JDK's frames: the application's code is not looked at. */
        boolean frame(String className, String method) {
            if (!CallSite.isJdkClass(className)) {
                return false;
            }
            if (className.startsWith(SSL_PACKAGE)) {
                tls = true;
                if (className.equals(TRANSPORT) && method.equals("fatal")
                        || className.equals(SSL_SOCKET) && method.equals("close")) {
                    internal = true;
                } else if (className.equals(SSL_SOCKET)
                        && (method.equals("startHandshake") || method.equals("readHandshakeRecord"))) {
                    handshake = true;
                }
            }
            return true;
        }

        String result() {
            if (!tls) {
                return null;
            }
            return internal ? INTERNAL : handshake ? Facts.TLS_HANDSHAKE : Facts.TLS_ESTABLISHED;
        }
    }
}
