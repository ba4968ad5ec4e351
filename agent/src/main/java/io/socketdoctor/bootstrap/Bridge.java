package io.socketdoctor.bootstrap;

import java.lang.invoke.MethodHandle;

/**
 * The only class that instrumented JDK code calls.
 *
 * <p>Advice is inlined into {@code java.base}, whose classes can only see classes of the boot
 * loader. At install these bytes are renamed to {@code sun.nio.ch.SocketDoctorBridge} and defined
 * inside {@code java.base} itself (see {@code install.BridgeInjector}), so nothing is appended to
 * the boot class path (which would switch off CDS for the host's classes and print a VM warning).
 *
 * <p>Rules for this class: JDK types only (it is looked up from {@code java.base}), no lambdas, no
 * string concatenation, and it never throws. Until the agent sets {@link #onError} every call is a
 * no-op, and a detached agent sets it back to {@code null}.
 */
public final class Bridge {

    /** {@code (Object self, Object detail, int site, Throwable thrown) -> void}, or {@code null}. */
    private static volatile MethodHandle onError;

    private Bridge() {
    }

    /**
     * Called by the advice when an instrumented method is about to throw {@code thrown}.
     *
     * @param self   the socket, stream, channel or socket impl whose method failed
     * @param detail the method's address or option argument where the site passes one, else null
     * @param site   the hook site's id (see {@code install.HookSites})
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
}
