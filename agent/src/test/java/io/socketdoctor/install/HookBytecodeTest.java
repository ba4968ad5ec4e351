package io.socketdoctor.install;

import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.util.CheckClassAdapter;

/**
 * Frames, stack sizes and exception tables of the hooked code are ours (nothing is computed), so
 * every hooked JDK class of JDK 17 and of JDK 25, read from each JDK's own module image, is
 * transformed here and checked: CheckClassAdapter with data-flow analysis over the whole class;
 * every site matched exactly one method; each hooked method calls the bridge, and (where it
 * catches) its catch-all is the last entry of the exception table; and the parameters a return
 * hook reads are never written by the JDK method (it reads them at the return, not at entry).
 * The JVM's own verifier sees the same code in the integration tests, which run with
 * {@code -Xverify:all}.
 */
class HookBytecodeTest {

    private static final String BRIDGE = BridgeInjector.BRIDGE_INTERNAL_NAME;

    static Stream<String> jdks() {
        String jdk25 = System.getProperty("jdk25.home");
        if (jdk25 == null || jdk25.isEmpty() || jdk25.startsWith("${")) {
            jdk25 = "/usr/lib/jvm/temurin-25-jdk-amd64";
        }
        return Stream.of(System.getProperty("java.home"), jdk25);
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void everyHookedClassOfThisJdkIsValidAndEverySiteMatchesOnce(String javaHome) throws IOException {
        assertTrue(Files.isRegularFile(Paths.get(javaHome, "lib", "modules")), "no JDK at " + javaHome);
        Set<String> types = new LinkedHashSet<>();
        for (HookSite site : HookSites.ALL) {
            types.add(site.type());
        }
        HookTransformer transformer = new HookTransformer(HookSites.ALL, BRIDGE);
        try (FileSystem jrt = FileSystems.newFileSystem(URI.create("jrt:/"), Map.of("java.home", javaHome))) {
            for (String type : types) {
                String internal = type.replace('.', '/');
                byte[] original = Files.readAllBytes(jrt.getPath("modules", "java.base", internal + ".class"));
                byte[] hooked = transformer.transform(null, internal, null, null, original);
                assertNotNull(hooked, type + " was not transformed");
                checkClass(type, hooked);
            }
        }
        List<String> problems = new ArrayList<>();
        for (HookSite site : HookSites.ALL) {
            String problem = transformer.tally().check(site);
            if (problem != null) {
                problems.add(site.describe() + ": " + problem);
            }
        }
        assertEquals(List.of(), problems, "on " + javaHome);
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void theNameCheckLeavesEveryOtherClassAlone(String javaHome) {
        HookTransformer transformer = new HookTransformer(HookSites.ALL, BRIDGE);
        byte[] anything = {1, 2, 3}; // not even a class file: reading it would fail, and be recorded
        assertNull(transformer.transform(null, "java/lang/String", null, null, anything));
        assertNull(transformer.transform(null, "com/acme/Socket", null, null, anything));
        // a class of a hooked name in a non-boot loader is not the JDK's
        assertNull(transformer.transform(ClassLoader.getSystemClassLoader(), "java/net/Socket", null, null, anything));
        // null is also what a failed transformation returns: so check that nothing was attempted
        for (String name : List.of("java.lang.String", "com.acme.Socket", "java.net.Socket")) {
            assertFalse(transformer.tally().seen(name), name + " was read");
        }
        // and that the same bytes under a hooked name are read (and fail), or the check above proves nothing
        assertNull(transformer.transform(null, "java/net/Socket", null, null, anything));
        assertTrue(transformer.tally().seen("java.net.Socket"), "a hooked name's bytes were not read");
    }

    private static void checkClass(String type, byte[] hooked) {
        // Throws on a malformed instruction, label, frame-less jump or an inconsistent stack/locals (BasicVerifier).
        new ClassReader(hooked).accept(new CheckClassAdapter(null, true), 0);

        ClassNode node = new ClassNode();
        new ClassReader(hooked).accept(node, 0);
        for (HookSite site : HookSites.ALL) {
            if (!site.type().equals(type)) {
                continue;
            }
            MethodNode method = methodOf(node, site);
            assertNotNull(method, site.describe());
            assertTrue(callsOut(method), site.describe() + " calls neither the bridge nor a delivery rewrite");
            if (catchesThrows(site)) {
                TryCatchBlockNode last = method.tryCatchBlocks.get(method.tryCatchBlocks.size() - 1);
                assertNull(last.type, site.describe() + ": the catch-all is not the last handler");
                assertTrue(method.instructions.getFirst() == last.start,
                        site.describe() + ": the catch-all does not start at the method's first instruction");
            }
            assertEveryReportGuarded(site, method);
            for (int parameter : parametersRead(site)) {
                int slot = ExitHook.parameterSlot(method.access, method.desc, parameter);
                for (AbstractInsnNode insn : method.instructions) {
                    int var = insn instanceof VarInsnNode v && v.getOpcode() >= Opcodes.ISTORE
                            && v.getOpcode() <= Opcodes.ASTORE ? v.var
                            : insn instanceof org.objectweb.asm.tree.IincInsnNode i ? i.var : -1;
                    // ServerSocket.bind(SocketAddress,int) replaces a null address with the wildcard
                    // one before binding: a failure then names the address bind really used.
                    boolean known = site.type().equals("java.net.ServerSocket") && site.method().equals("bind");
                    assertTrue(var != slot || known, site.describe() + " writes parameter " + parameter
                            + ", which its hook reads at the exit, not at the entry");
                }
            }
        }
    }

    /** The parameters (0-based) a site's hook reads: at a return or at a throw. */
    private static List<Integer> parametersRead(HookSite site) {
        switch (site.shape()) {
            case CONNECT, CHANNEL_CONNECT, INSTANCE_AND_ARGUMENT, IMPL_ACCEPT:
                return List.of(0);
            case INSTANCE_AND_SECOND_ARGUMENT:
                return List.of(1);
            case STREAM_WRITE, WRITE_FULLY:
                return List.of(2);
            default:
                return List.of();
        }
    }

    /**
     * Every call from the hooked code into the bridge (a report) lies inside a catch-all of its own
     * that is not the method's catch-all: whatever a report throws is dropped, the method returns or
     * throws what it would have. Returns go through the one exit block, outside the catch-all.
     */
    private static void assertEveryReportGuarded(HookSite site, MethodNode method) {
        for (HookSite other : HookSites.ALL) {
            if (other.shape().rewritesDeliveries() && other.type().equals(site.type())
                    && other.method().equals(site.method()) && other.parameters().equals(site.parameters())) {
                return; // a delivery rewrite calls the bridge inline, in the method's own flow (as before)
            }
        }
        TryCatchBlockNode catchAll = catchesThrows(site) ? method.tryCatchBlocks.get(method.tryCatchBlocks.size() - 1)
                : null;
        for (AbstractInsnNode insn : method.instructions) {
            if (insn instanceof MethodInsnNode call && call.owner.equals(BRIDGE)) {
                boolean guarded = false;
                for (TryCatchBlockNode block : method.tryCatchBlocks) {
                    guarded |= block != catchAll && block.type == null && covers(method, block, insn);
                }
                assertTrue(guarded, site.describe() + ": a report outside a guard of its own");
                assertTrue(catchAll == null || !covers(method, catchAll, insn),
                        site.describe() + ": a report inside the method's catch-all");
            }
            if (catchAll != null && SiteCode.reportsReturns(site.shape())
                    && insn.getOpcode() >= Opcodes.IRETURN && insn.getOpcode() <= Opcodes.RETURN) {
                assertTrue(!covers(method, catchAll, insn), site.describe() + ": a return inside the catch-all");
            }
        }
    }

    private static boolean covers(MethodNode method, TryCatchBlockNode block, AbstractInsnNode insn) {
        int at = method.instructions.indexOf(insn);
        return method.instructions.indexOf(block.start) <= at && at < method.instructions.indexOf(block.end);
    }

    private static boolean catchesThrows(HookSite site) {
        return !site.shape().rewritesDeliveries() && site.shape() != HookSite.Shape.CONSTRUCTED;
    }

    private static boolean callsOut(MethodNode method) {
        for (AbstractInsnNode insn : method.instructions) {
            if (insn instanceof MethodInsnNode call && call.owner.equals(BRIDGE)) {
                return true;
            }
        }
        return false;
    }

    private static MethodNode methodOf(ClassNode node, HookSite site) {
        for (MethodNode method : node.methods) {
            if (method.name.equals(site.method()) && method.desc.startsWith(site.parameterDescriptor())
                    && (method.access & Opcodes.ACC_BRIDGE) == 0) {
                return method;
            }
        }
        return null;
    }
}
