package io.socketdoctor.install;

import io.socketdoctor.hook.HookSite;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;

/**
 * The agent's one {@link ClassFileTransformer}. Every class the JVM loads passes here, so the
 * first step is a look-up of its name in a hash set (and a suffix test for Netty's
 * {@code Errors}): any other class costs that and nothing else, and is never parsed.
 *
 * <p>A hooked class is read and written by ASM with no frame or stack computation (the
 * {@code ClassWriter} shares the reader's constant pool; the untouched methods are copied as bytes).
 * The JVM swallows a transformer's exceptions, so each one is recorded and reported by the installer.
 */
final class HookTransformer implements ClassFileTransformer {

    private final Map<String, List<HookSite>> jdkSites = new HashMap<>();
    private final Tally tally;

    HookTransformer(List<HookSite> sites, String bridgeInternalName) {
        for (HookSite site : sites) {
            String internal = site.type().replace('.', '/');
            List<HookSite> ofType = jdkSites.get(internal);
            if (ofType == null) {
                ofType = new ArrayList<>();
                jdkSites.put(internal, ofType);
            }
            ofType.add(site);
        }
        this.tally = new Tally(sites.size(), bridgeInternalName);
    }

    Tally tally() {
        return tally;
    }

    /** Whether a class of this loader and internal name is one of the hooked JDK classes. */
    boolean hooksJdkClass(ClassLoader loader, String internalName) {
        // A class of a hooked name outside the boot loader is not the JDK's.
        return loader == null && jdkSites.containsKey(internalName);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain domain, byte[] classFile) {
        if (className == null) {
            return null;
        }
        try {
            if (hooksJdkClass(loader, className)) {
                byte[] hooked = rewrite(classFile, new Rewrite(jdkSites.get(className)));
                tally.transformed(className, classBeingRedefined == null);
                return hooked;
            }
            if (NettyHooks.isErrorsClass(className)) {
                return NettyHooks.transform(loader, className, classFile);
            }
            return null;
        } catch (Throwable t) {
            tally.error(className, t);
            return null;
        }
    }

    /** Which visitor a class gets, given the writer it writes to. */
    interface Visitors {
        ClassVisitor around(ClassWriter writer);
    }

    private final class Rewrite implements Visitors {
        private final List<HookSite> sites;

        Rewrite(List<HookSite> sites) {
            this.sites = sites;
        }

        @Override
        public ClassVisitor around(ClassWriter writer) {
            return new JdkClassHooks(writer, sites, tally);
        }
    }

    /** ASM's read-modify-write with nothing computed: the hooks bring their own frames and stack sizes. */
    static byte[] rewrite(byte[] classFile, Visitors visitors) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(visitors.around(writer), 0);
        return writer.toByteArray();
    }

    /** What the transformations did, for the installer's check; written from any class-loading thread. */
    static final class Tally {
        private final String bridge;
        private final AtomicIntegerArray matches;
        private final AtomicIntegerArray deliveries;
        private final AtomicIntegerArray stamps;
        private final Map<Integer, String> siteProblems = new ConcurrentHashMap<>();
        private final Map<String, String> errors = new ConcurrentHashMap<>();
        /** Internal name -> true when transformed as it loaded, false when by retransformation. */
        private final Map<String, Boolean> transformed = new ConcurrentHashMap<>();

        Tally(int sites, String bridge) {
            this.bridge = bridge;
            this.matches = new AtomicIntegerArray(sites);
            this.deliveries = new AtomicIntegerArray(sites);
            this.stamps = new AtomicIntegerArray(sites);
        }

        String bridge() {
            return bridge;
        }

        AsyncDelivery asyncDelivery(HookSite site) {
            return new AsyncDelivery(site, bridge, deliveries, stamps);
        }

        void matched(HookSite site, int methods) {
            matches.set(site.id(), methods);
        }

        void problem(HookSite site, String problem) {
            siteProblems.put(site.id(), problem);
        }

        void error(String className, Throwable t) {
            errors.put(className, String.valueOf(t));
        }

        void transformed(String className, boolean atLoad) {
            transformed.put(className, atLoad);
        }

        /** A class whose transformation the JVM refused: it holds no hook (see {@code Installer}). */
        void forget(String className) {
            transformed.remove(className);
        }

        boolean wasTransformed(String className) {
            return transformed.containsKey(className);
        }

        /** Whether the class of this binary name has been transformed, or failed to be. */
        boolean seen(String binaryName) {
            String internal = binaryName.replace('.', '/');
            return transformed.containsKey(internal) || errors.containsKey(internal);
        }

        int transformedCount() {
            return transformed.size();
        }

        /** What is wrong with {@code site}, or null when it is in place. */
        String check(HookSite site) {
            String internal = site.type().replace('.', '/');
            String error = errors.get(internal);
            if (error != null) {
                return error;
            }
            if (!transformed.containsKey(internal)) {
                return "class not transformed";
            }
            String problem = siteProblems.get(site.id());
            if (problem != null) {
                return problem;
            }
            int matched = matches.get(site.id());
            if (matched != 1) {
                return "matched " + matched + " methods, expected 1";
            }
            if (site.shape().rewritesDeliveries() && deliveries.get(site.id()) == 0) {
                return "no delivery call (Invoker, PendingFuture, CompletedFuture) found";
            }
            if (site.shape().rewritesDeliveries() && site.kind() != 0 && stamps.get(site.id()) == 0) {
                return "no IOUtil read/write call found";
            }
            return null;
        }
    }
}
