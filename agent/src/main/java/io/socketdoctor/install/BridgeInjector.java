package io.socketdoctor.install;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.bootstrap.BridgeDefiner;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Puts {@link Bridge} into {@code java.base} as {@code sun.nio.ch.SocketDoctorBridge}.
 *
 * <p>Why not the boot class path: {@code appendToBootstrapClassLoaderSearch} turns CDS off for
 * every non-boot class (slower start-up, and the VM prints a warning into the host's output).
 * Instead, {@link BridgeDefiner} is loaded into a private class loader, {@code java.base} opens
 * {@code sun.nio.ch} to that loader's module only, and the definer defines the renamed bridge
 * with a private lookup in that package.
 */
public final class BridgeInjector {

    /** Binary name of the bridge inside java.base; versioned so a later incompatible jar cannot meet an old one. */
    public static final String BRIDGE_NAME = "sun.nio.ch.SocketDoctorBridge2";

    /** The same, as the hooked code names it. */
    public static final String BRIDGE_INTERNAL_NAME = BRIDGE_NAME.replace('.', '/');

    private BridgeInjector() {
    }

    /**
     * Defines the bridge (or finds the one a previous attach defined).
     *
     * @param withMessageAccess also obtain write access to {@code Throwable.detailMessage}
     */
    public static Handles inject(Instrumentation inst, boolean withMessageAccess) throws Exception {
        byte[] bridge = ClassBytes.rename(ClassBytes.of(Bridge.class), Bridge.class.getName().replace('.', '/'),
                BRIDGE_INTERNAL_NAME);
        DefinerLoader loader = new DefinerLoader();
        Class<?> definer = loader.define(BridgeDefiner.class.getName(), ClassBytes.of(BridgeDefiner.class));
        Module javaBase = Object.class.getModule();
        Map<String, Set<Module>> opens = new HashMap<>();
        opens.put("sun.nio.ch", Set.of(definer.getModule()));
        if (withMessageAccess) {
            opens.put("java.lang", Set.of(definer.getModule()));
        }
        inst.redefineModule(javaBase, Set.of(), Map.of(), opens, Set.of(), Map.of());
        // No reflective call (on JDK 18+ each one spins method handles): initialising the definer
        // runs it, and it takes its input from, and leaves its result with, its class loader.
        loader.input = new Object[] {bridge, BRIDGE_NAME, withMessageAccess};
        try {
            Class.forName(definer.getName(), true, loader);
        } catch (ExceptionInInitializerError e) {
            throw new IllegalStateException("cannot define the bridge in java.base", e.getCause());
        }
        Object[] handles = loader.output;
        return new Handles((MethodHandle) handles[0], (VarHandle) handles[1]);
    }

    /**
     * @param control       the bridge's {@code control(int, Object)}: see {@link Bridge#control}
     * @param detailMessage {@code Throwable.detailMessage}, or null unless asked for
     */
    public record Handles(MethodHandle control, VarHandle detailMessage) {

        /** Sets a handler or the table ({@link Bridge#SET_ON_ERROR} ...), or runs a warm-up. */
        public void control(int what, Object value) {
            try {
                control.invokeExact(what, value);
            } catch (Throwable t) {
                throw new IllegalStateException("the bridge refused control " + what, t);
            }
        }
    }

    /** Parent is the boot loader: the definer sees JDK classes only, and nobody else sees it. */
    private static final class DefinerLoader extends ClassLoader
            implements java.util.function.Supplier<Object[]>, java.util.function.Consumer<Object[]> {
        Object[] input;
        Object[] output;

        DefinerLoader() {
            super("socket-doctor-bridge-definer", null);
        }

        /** What the definer is to define (JDK types only: it cannot see this class). */
        @Override
        public Object[] get() {
            return input;
        }

        /** What the definer made. */
        @Override
        public void accept(Object[] result) {
            output = result;
        }

        Class<?> define(String name, byte[] bytes) {
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
