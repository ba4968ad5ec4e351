package io.socketdoctor.bootstrap;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

/**
 * Defines {@link Bridge} (renamed) inside {@code java.base} and hands back handles to it.
 *
 * <p>This class is loaded into a private class loader of its own, and {@code java.base} opens
 * {@code sun.nio.ch} (and {@code java.lang} for {@code enrich=message}) to that loader only, so
 * that neither the host's code nor the rest of the agent gains access to JDK internals. JDK types
 * only; the result crosses back to the agent as an {@code Object[]} of JDK handle types.
 */
public final class BridgeDefiner {

    /*
     * Runs when the injector initialises this class: its input ({bridge bytes, bridge name, whether
     * to open Throwable.detailMessage}) comes from its class loader, which is the injector's (a
     * Supplier and a Consumer, JDK types), and the handles go back the same way. No reflective
     * call, which on JDK 18+ spins method handles before main.
     */
    static {
        ClassLoader loader = BridgeDefiner.class.getClassLoader();
        @SuppressWarnings("unchecked")
        Object[] in = ((java.util.function.Supplier<Object[]>) loader).get();
        Object[] out;
        try {
            out = define((byte[]) in[0], (String) in[1], (Boolean) in[2]);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        @SuppressWarnings("unchecked")
        java.util.function.Consumer<Object[]> result = (java.util.function.Consumer<Object[]>) loader;
        result.accept(out);
    }

    private BridgeDefiner() {
    }

    /**
     * @param bridgeBytes the bridge's class file, already renamed into {@code sun.nio.ch}
     * @param bridgeName  its binary name
     * @param wantMessage whether to return a handle on {@code Throwable.detailMessage}
     * @return {@code {MethodHandle control (the bridge's control(int, Object)), VarHandle detailMessage or null}}
     */
    public static Object[] define(byte[] bridgeBytes, String bridgeName, boolean wantMessage) throws Exception {
        MethodHandles.Lookup inPackage =
                MethodHandles.privateLookupIn(Class.forName("sun.nio.ch.Net", false, null), MethodHandles.lookup());
        Class<?> bridge;
        try {
            // A second attach finds the bridge of the first one: the first definition wins.
            bridge = Class.forName(bridgeName, false, null);
        } catch (ClassNotFoundException notYetDefined) {
            try {
                bridge = inPackage.defineClass(bridgeBytes);
            } catch (LinkageError definedMeanwhile) {
                // Two starts at once (premain and an attach): the other one defined it first.
                bridge = Class.forName(bridgeName, false, null);
            }
        }
        MethodHandle control = MethodHandles.privateLookupIn(bridge, MethodHandles.lookup()).findStatic(bridge,
                "control", MethodType.methodType(void.class, int.class, Object.class));
        VarHandle message = null;
        if (wantMessage) {
            message = MethodHandles.privateLookupIn(Throwable.class, MethodHandles.lookup())
                    .findVarHandle(Throwable.class, "detailMessage", String.class);
        }
        return new Object[] {control, message};
    }
}
