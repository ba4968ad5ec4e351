package io.socketdoctor.it.probe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * A host with its own Byte Buddy and its own Micrometer (other versions than the agent's, on the
 * class path). It says where its classes come from, then, per iteration, generates a class with its
 * Byte Buddy, increments a counter in its own {@link SimpleMeterRegistry} and makes a loopback
 * connection fail, printing one line.
 *
 * <p>{@code once}: one iteration, exit code 0. {@code loop <seconds>}: an iteration every 200 ms
 * until the bound (at most 120 s). Any throwable of an iteration is printed as {@code error: ...}
 * and counted; the exit code is then 3.
 */
public final class ClassIsolationHost {

    private ClassIsolationHost() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "once";
        long seconds = Math.min(120, args.length > 1 ? Long.parseLong(args[1]) : 60);
        System.out.println("host byte buddy: " + jar(ByteBuddy.class) + " loader="
                + loader(ByteBuddy.class) + " version=" + version(ByteBuddy.class));
        System.out.println("host micrometer: " + jar(Meter.class) + " loader=" + loader(Meter.class)
                + " version=" + version(Meter.class));
        // Names the agent also uses (relocated in its jar): they resolve to the host's own jars only.
        System.out.println("net.bytebuddy.agent.builder.AgentBuilder from: " + where("net.bytebuddy.agent.builder.AgentBuilder"));
        System.out.println("io.micrometer.prometheusmetrics.PrometheusMeterRegistry from: "
                + where("io.micrometer.prometheusmetrics.PrometheusMeterRegistry"));
        System.out.println("io.micrometer.core.instrument.simple.SimpleMeterRegistry from: "
                + where("io.micrometer.core.instrument.simple.SimpleMeterRegistry"));
        System.out.println("host global registries: " + Metrics.globalRegistry.getRegistries().size()
                + " meters: " + Metrics.globalRegistry.getMeters().size());

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Counter counter = Counter.builder("host.iterations").register(registry);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        if (mode.equals("loop")) {
            System.out.println("class-isolation-host ready pid=" + ProcessHandle.current().pid());
        }
        System.out.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int errors = 0;
        for (long n = 1; mode.equals("once") ? n == 1 : System.nanoTime() < deadline; n++) {
            try {
                Class<?> type = new ByteBuddy(ClassFileVersion.JAVA_V17)
                        .subclass(Object.class)
                        .name("io.socketdoctor.it.probe.Generated" + n)
                        .method(ElementMatchers.named("toString")).intercept(FixedValue.value("made-by-host-bb"))
                        .make()
                        .load(ClassIsolationHost.class.getClassLoader(), ClassLoadingStrategy.Default.WRAPPER)
                        .getLoaded();
                Object generated = type.getDeclaredConstructor().newInstance();
                counter.increment();
                String failure;
                int port;
                try (ServerSocket s = new ServerSocket(0, 1, loopback)) {
                    port = s.getLocalPort();
                }
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(loopback, port), 5_000);
                    failure = "connected?! diagnosed=false";
                } catch (Exception e) {
                    failure = e.getClass().getName() + ": " + e.getMessage() + " diagnosed=" + diagnosed(e);
                }
                System.out.println("iteration " + n + " bb=" + generated + " bb-loader-ok="
                        + (type.getClassLoader().getParent() == ClassIsolationHost.class.getClassLoader())
                        + " counter=" + (long) registry.get("host.iterations").counter().count()
                        + " caught " + failure);
            } catch (Throwable t) {
                errors++;
                System.out.println("iteration " + n + " error: " + t);
                t.printStackTrace();
            }
            System.out.flush();
            if (!mode.equals("once")) {
                Thread.sleep(200);
            }
        }
        System.out.println("done errors=" + errors);
        System.out.flush();
        System.exit(errors == 0 ? 0 : 3);
    }

    private static boolean diagnosed(Throwable t) {
        for (Throwable s : t.getSuppressed()) {
            if (String.valueOf(s.getMessage()).startsWith("[socket-doctor]")) {
                return true;
            }
        }
        return false;
    }

    /** The version in the manifest of the class's own jar (Implementation-Version, else Bundle-Version). */
    private static String version(Class<?> c) {
        try (JarFile jar = new JarFile(new File(c.getProtectionDomain().getCodeSource().getLocation().toURI()))) {
            Attributes main = jar.getManifest().getMainAttributes();
            String version = main.getValue(Attributes.Name.IMPLEMENTATION_VERSION);
            return version != null ? version : main.getValue("Bundle-Version");
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    private static String loader(Class<?> c) {
        return c.getClassLoader() == ClassLoader.getSystemClassLoader() ? "system" : String.valueOf(c.getClassLoader());
    }

    private static String jar(Class<?> c) {
        String jar = c.getProtectionDomain().getCodeSource().getLocation().getPath();
        return jar.substring(jar.lastIndexOf('/') + 1);
    }

    private static String where(String name) {
        try {
            return jar(Class.forName(name));
        } catch (ClassNotFoundException e) {
            return "nowhere";
        }
    }
}
