package io.socketdoctor.bootstrap;

import java.lang.invoke.MethodHandle;

/**
 * The only class that instrumented JDK code calls.
 *
 * <p>The hooks are written into {@code java.base}, whose classes can only see classes of the boot
 * loader. At install these bytes are renamed to {@code sun.nio.ch.SocketDoctorBridge2} and defined
 * inside {@code java.base} itself (see {@code install.BridgeInjector}), so nothing is appended to
 * the boot class path (which would switch off CDS for the host's classes and print a VM warning).
 *
 * <p>Rules for this class: JDK types only (it is looked up from {@code java.base}), no lambdas, no
 * string concatenation, and it never throws. Until the agent sets the handlers every call is a
 * no-op, and a detached agent sets them back to {@code null}.
 *
 * <p>Successful reads and writes never leave this class: they stamp the connection's slot in
 * {@link #connections}, an array the agent owns and shares with the bridge (no call, no lock, no
 * allocation). Everything rare (a failure, an EOF, open and close) goes to the agent through a
 * {@code MethodHandle}.
 */
public final class Bridge {

    /** Slot layout in {@link #connections}: identity key, last read, last write (coarse ms), flags. */
    public static final int KEY = 0;
    public static final int LAST_READ = 1;
    public static final int LAST_WRITE = 2;
    public static final int FLAGS = 3;
    public static final int SLOT_WIDTH = 4;
    /** {@code connections[CLOCK]} holds the agent's coarse clock (its history clock in ms, ticked every 100 ms). */
    public static final int CLOCK = 0;
    /** Slots start after a header of one slot's width. */
    public static final int FIRST_SLOT = SLOT_WIDTH;
    public static final int MAX_PROBES = 16;
    /** A freed slot: lookups go on past it. */
    public static final long TOMBSTONE = -1L;
    /** Set in FLAGS when a write on this connection deserves a warning (peer EOF or reset seen). */
    public static final long WARN_ON_WRITE = 1L;

    /** Lifecycle events passed to {@link #onEvent}. */
    public static final int OPENED = 1;
    public static final int PEER_EOF = 2;
    public static final int CLOSED = 3;
    public static final int SHUTDOWN_OUTPUT = 4;
    public static final int SHUTDOWN_INPUT = 5;
    public static final int WRITE_WARNING = 6;
    /** What an I/O hook reports on success: which of {@link #read} and {@link #wrote} to call. */
    public static final int READ_DONE = 10;
    public static final int WRITE_DONE = 11;

    /** What {@link #control} does with its value: set a handler, share the table, or warm a path up. */
    public static final int SET_ON_ERROR = 1;
    public static final int SET_ON_EVENT = 2;
    public static final int SET_CONNECTIONS = 3;
    /** Runs {@link #error} with the value (a Throwable) at {@link #WARM_UP_SITE}, for the agent's warm-up. */
    public static final int WARM_UP_ERROR = 4;
    /** Runs {@link #event} with the value (any object) at {@link #WARM_UP_SITE} and the event -1, for the warm-up. */
    public static final int WARM_UP_EVENT = 5;
    /** The site id of the warm-up's calls: no hook site has it, so the agent knows them apart. */
    public static final int WARM_UP_SITE = -1;

    /** {@code (Object self, Object detail, int site, Throwable thrown) -> void}, or {@code null}. */
    private static volatile MethodHandle onError;
    /** {@code (Object connection, Object detail, int site, int event) -> void}, or {@code null}. */
    private static volatile MethodHandle onEvent;
    /** The connection table (see the slot layout above), or {@code null}. */
    private static volatile long[] connections;

    private Bridge() {
    }

    /**
     * The agent's one way in (a single method handle: each handle the agent looks up costs it
     * start-up time). Called by the agent only, never by hooked code.
     */
    public static void control(int what, Object value) {
        switch (what) {
            case SET_ON_ERROR:
                onError = (MethodHandle) value;
                break;
            case SET_ON_EVENT:
                onEvent = (MethodHandle) value;
                break;
            case SET_CONNECTIONS:
                connections = (long[]) value;
                break;
            case WARM_UP_ERROR:
                error(null, null, WARM_UP_SITE, (Throwable) value);
                break;
            case WARM_UP_EVENT:
                event(value, null, WARM_UP_SITE, -1);
                break;
            default:
                break;
        }
    }

    /**
     * Called by a hook when an instrumented method is about to throw {@code thrown}.
     *
     * @param self   the socket, stream, channel or socket impl whose method failed
     * @param detail the method's address or option argument where the site passes one, else null
     * @param site   the hook site's id (see {@code hook.HookSites})
     */
    public static void error(Object self, Object detail, int site, Throwable thrown) {
        MethodHandle handler = onError;
        if (handler == null || thrown == null) {
            return;
        }
        try {
            handler.invokeExact(self, detail, site, thrown);
        } catch (Throwable ignored) {
            // The runtime guards itself; this catch is the last line of defence for the host.
        }
    }

    /** A read returned {@code n}: stamp the connection, or report the peer's EOF. */
    public static void read(Object connection, long n, int site) {
        if (n > 0) {
            long[] table = connections;
            if (table != null) {
                int slot = slotOf(table, connection);
                if (slot > 0) {
                    table[slot + LAST_READ] = table[CLOCK];
                }
            }
        } else if (n < 0) {
            event(connection, null, site, PEER_EOF);
        }
    }

    /** A write moved {@code n} bytes: stamp the connection, and warn if its peer was already gone. */
    public static void wrote(Object connection, long n, int site) {
        if (n <= 0) {
            return;
        }
        long[] table = connections;
        if (table != null) {
            int slot = slotOf(table, connection);
            if (slot > 0) {
                table[slot + LAST_WRITE] = table[CLOCK];
                if ((table[slot + FLAGS] & WARN_ON_WRITE) != 0) {
                    event(connection, null, site, WRITE_WARNING);
                }
            }
        }
    }

    /**
     * A rare lifecycle event (see the constants above). Event 0 is nothing: a hook passes
     * {@code connected * OPENED} rather than branch on a boolean result.
     */
    public static void event(Object connection, Object detail, int site, int event) {
        MethodHandle handler = onEvent;
        if (handler == null || connection == null || event == 0) {
            return;
        }
        try {
            handler.invokeExact(connection, detail, site, event);
        } catch (Throwable ignored) {
            // as in error()
        }
    }

    /**
     * The index of {@code connection}'s slot in {@code table}, or -1. Open addressing on the
     * identity hash with linear probing; shared by the agent, which fills the table.
     */
    public static int slotOf(long[] table, Object connection) {
        if (connection == null) {
            return -1;
        }
        long key = keyOf(connection);
        int slots = (table.length - FIRST_SLOT) / SLOT_WIDTH;
        int index = (int) key & (slots - 1);
        for (int probe = 0; probe < MAX_PROBES; probe++) {
            int at = FIRST_SLOT + ((index + probe) & (slots - 1)) * SLOT_WIDTH;
            long k = table[at + KEY];
            if (k == key) {
                return at;
            }
            if (k == 0) {
                return -1;
            }
        }
        return -1;
    }

    /** Never 0 (empty) or -1 (tombstone). */
    public static long keyOf(Object connection) {
        return (System.identityHashCode(connection) & 0xffffffffL) | (1L << 32);
    }
}
