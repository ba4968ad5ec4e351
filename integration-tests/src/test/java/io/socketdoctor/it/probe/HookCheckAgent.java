package io.socketdoctor.it.probe;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only agent for AttachIT that answers "do the JDK's socket methods still call Socket
 * Doctor's bridge?" from inside the target JVM, without trusting the agent's own report.
 *
 * <p>It puts a counting handler into the bridge class (which stays defined in {@code java.base}
 * after a detach), lets the target's failures happen for a while, puts the previous handler back
 * and writes {@code calls=<n>} to the file named in its arguments. While Socket Doctor is attached
 * the count is positive (the check can fail); after a detach it must be 0: the instrumented code
 * is gone, not merely switched off. Arguments: {@code <reply file>;<milliseconds>}.
 */
public final class HookCheckAgent {

    private static final AtomicInteger CALLS = new AtomicInteger();

    private HookCheckAgent() {
    }

    public static void agentmain(String arguments, Instrumentation inst) throws Exception {
        String[] parts = arguments.split(";");
        String answer;
        try {
            answer = check(inst, Long.parseLong(parts[1]));
        } catch (Throwable t) {
            answer = "error=" + t;
        }
        Files.write(Paths.get(parts[0]), (answer + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String check(Instrumentation inst, long millis) throws Exception {
        Class<?> bridge;
        try {
            bridge = Class.forName("sun.nio.ch.SocketDoctorBridge2", false, null);
        } catch (ClassNotFoundException never) {
            return "bridge=absent";
        }
        Module javaBase = Object.class.getModule();
        inst.redefineModule(javaBase, Set.of(), Map.of(),
                Map.of("sun.nio.ch", Set.of(HookCheckAgent.class.getModule())), Set.of(), Map.of());
        VarHandle onError = MethodHandles.privateLookupIn(bridge, MethodHandles.lookup())
                .findStaticVarHandle(bridge, "onError", MethodHandle.class);
        MethodHandle counter = MethodHandles.lookup().findStatic(HookCheckAgent.class, "count",
                MethodType.methodType(void.class, Object.class, Object.class, int.class, Throwable.class));
        CALLS.set(0);
        Object previous = onError.getAndSet(counter);
        try {
            Thread.sleep(millis);
        } finally {
            onError.compareAndSet(counter, previous);
        }
        return "calls=" + CALLS.get();
    }

    static void count(Object self, Object detail, int site, Throwable thrown) {
        CALLS.incrementAndGet();
    }
}
