package io.socketdoctor.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Where the bridge's calls arrive: the bridge in {@code java.base} holds method handles to
 * {@link #error} and {@link #event}, and they pass each call to the active {@link Diagnostics}.
 * The handles are of static methods: a handle bound to an instance costs a class of its own and
 * more start-up time. One session runs at a time.
 */
public final class BridgeHandlers {

    private static volatile Diagnostics active;

    private BridgeHandlers() {
    }

    /** Makes this instance the one the bridge's handles reach (null: none). */
    public static void activate(Diagnostics diagnostics) {
        active = diagnostics;
    }

    /** An instrumented JDK method threw {@code thrown} at hook site {@code site}. */
    static void error(Object self, Object detail, int site, Throwable thrown) {
        Diagnostics d = active;
        if (d != null) {
            d.onError(self, detail, site, thrown);
        }
    }

    /** A lifecycle event ({@code Bridge.OPENED}, {@code PEER_EOF}...) of a connection at hook site {@code site}. */
    static void event(Object connection, Object detail, int site, int event) {
        Diagnostics d = active;
        if (d != null) {
            d.onEvent(connection, detail, site, event);
        }
    }

    /** {@code (Object self, Object detail, int site, Throwable thrown) -> void}, for the bridge. */
    public static MethodHandle errorHandle() throws ReflectiveOperationException {
        return MethodHandles.lookup().findStatic(BridgeHandlers.class, "error",
                MethodType.methodType(void.class, Object.class, Object.class, int.class, Throwable.class));
    }

    /** {@code (Object connection, Object detail, int site, int event) -> void}, for the bridge. */
    public static MethodHandle eventHandle() throws ReflectiveOperationException {
        return MethodHandles.lookup().findStatic(BridgeHandlers.class, "event",
                MethodType.methodType(void.class, Object.class, Object.class, int.class, int.class));
    }
}
