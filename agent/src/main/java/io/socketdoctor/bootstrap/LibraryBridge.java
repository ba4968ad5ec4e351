package io.socketdoctor.bootstrap;


/**
 * The only agent class that instrumented <em>library</em> code (Netty's native transports) calls.
 *
 * <p>Library classes live in the application's class loaders, which cannot see the JDK bridge
 * ({@code sun.nio.ch} is not exported). This class stays in the agent jar, which the JVM puts on
 * the system class path for {@code -javaagent} and for attach, so every loader that delegates to
 * the system loader (the system loader itself, Spring Boot's, servlet containers') resolves it to
 * this very class. The installer instruments a library class only after checking that its loader
 * resolves this name to this class, so hooked code never links to a missing or foreign class.
 *
 * <p>Rules, as for {@link Bridge}: JDK types only, no lambdas, no string concatenation, never
 * throws; {@code null} handler means off (a detached agent costs a field read on a failure).
 * Its statics survive detach and re-attach of the same jar, like the agent class's.
 */
public final class LibraryBridge {

    /** Flag: the throwing method may throw a pre-built (cached) exception object: never enrich it. */
    public static final int CACHED = 1;
    /** Flag: the exception was created, not thrown, by the hooked method (it is thrown or delivered by its caller). */
    public static final int CREATED = 2;
    /** Flag: the warm-up call at install; nothing is emitted. */
    public static final int WARM_UP = 4;

    /**
     * What the agent does with a Netty failure. An interface, not a method handle as for the JDK's
     * bridge: this class and the agent share a class loader, and a handle costs start-up time.
     */
    public interface NettyHandler {
        void nettyError(String method, int negativeErrno, Throwable failure, int flags);
    }

    private static volatile NettyHandler onNettyError;

    private LibraryBridge() {
    }

    /**
     * Netty's {@code io.netty.channel.unix.Errors} made or threw {@code failure} for the native
     * call {@code method} that returned {@code negativeErrno} (Netty passes errno negated).
     */
    public static void nettyError(String method, int negativeErrno, Throwable failure, int flags) {
        NettyHandler handler = onNettyError;
        if (handler == null || failure == null) {
            return;
        }
        try {
            handler.nettyError(method, negativeErrno, failure, flags);
        } catch (Throwable ignored) {
            // The runtime guards itself; this catch is the last line of defence for the host.
        }
    }

    /** Installs or (with {@code null}) removes the handler. */
    public static void setNettyHandler(NettyHandler handler) {
        onNettyError = handler;
    }
}
