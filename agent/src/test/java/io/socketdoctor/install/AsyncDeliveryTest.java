package io.socketdoctor.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.objectweb.asm.Opcodes.ACC_PUBLIC;
import static org.objectweb.asm.Opcodes.ACC_STATIC;
import static org.objectweb.asm.Opcodes.ACONST_NULL;
import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.IFNONNULL;
import static org.objectweb.asm.Opcodes.ILOAD;
import static org.objectweb.asm.Opcodes.INVOKESPECIAL;
import static org.objectweb.asm.Opcodes.INVOKESTATIC;
import static org.objectweb.asm.Opcodes.IRETURN;
import static org.objectweb.asm.Opcodes.LLOAD;
import static org.objectweb.asm.Opcodes.LRETURN;
import static org.objectweb.asm.Opcodes.PUTSTATIC;
import static org.objectweb.asm.Opcodes.RETURN;
import static org.objectweb.asm.Opcodes.V17;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.hook.HookSite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.util.CheckClassAdapter;

/**
 * The rewrite of asynchronous channels' delivery calls, on a channel class made here: the JDK's
 * delivery and I/O classes ({@code sun.nio.ch.Invoker}, {@code IOUtil}) are stand-ins defined in a
 * throwaway class loader, and the bridge is {@link Recorder}. The rewritten class is checked by
 * ASM's data-flow analysis and then loaded and run, so the JVM's verifier sees it too.
 */
class AsyncDeliveryTest {

    private static final String CHANNEL = "fixture/AsyncChannel";
    private static final String INVOKER = "sun/nio/ch/Invoker";
    private static final String IOUTIL = "sun/nio/ch/IOUtil";
    private static final String DELIVER = "(Ljava/lang/Object;Ljava/lang/Throwable;)V";
    private static final String RECORDER = Recorder.class.getName().replace('.', '/');

    private static final HookSite FAIL = site(0, "fail", List.of("java.lang.Throwable"),
            HookSite.Shape.ASYNC_DELIVERY, 0);
    private static final HookSite CONNECT = site(1, "connect", List.of("java.lang.Throwable"),
            HookSite.Shape.ASYNC_CONNECT_DELIVERY, 0);
    private static final HookSite READ = site(2, "read", List.of("int", "java.lang.Throwable"),
            HookSite.Shape.ASYNC_DELIVERY, Bridge.READ_DONE);
    private static final HookSite READ_ALL = site(3, "readAll", List.of("long", "java.lang.Throwable"),
            HookSite.Shape.ASYNC_DELIVERY, Bridge.READ_DONE);
    private static final HookSite WRITE = site(4, "write", List.of("int", "java.lang.Throwable"),
            HookSite.Shape.ASYNC_DELIVERY, Bridge.WRITE_DONE);
    private static final HookSite IDLE = site(5, "idle", List.of(), HookSite.Shape.ASYNC_DELIVERY, 0);
    private static final List<HookSite> SITES = List.of(FAIL, CONNECT, READ, READ_ALL, WRITE, IDLE);

    private static HookSite site(int id, String method, List<String> parameters, HookSite.Shape shape, int kind) {
        return new HookSite(id, CHANNEL.replace('/', '.'), method, parameters, Op.READ, Api.ASYNC, shape, kind);
    }

    /** The bridge as the rewritten code calls it: every call, in order. */
    public static final class Recorder {
        static final List<List<Object>> CALLS = Collections.synchronizedList(new ArrayList<>());

        public static void error(Object channel, Object detail, int site, Throwable failure) {
            CALLS.add(java.util.Arrays.asList("error", channel, detail, site, failure));
        }

        public static void read(Object channel, long n, int site) {
            CALLS.add(List.of("read", channel, n, site));
        }

        public static void wrote(Object channel, long n, int site) {
            CALLS.add(List.of("wrote", channel, n, site));
        }
    }

    @BeforeEach
    void forget() {
        Recorder.CALLS.clear();
    }

    @Test
    void eachDeliveryHandsTheBridgeTheVeryThrowableThenDeliversIt() throws Exception {
        HookTransformer transformer = new HookTransformer(SITES, RECORDER);
        byte[] hooked = transformer.transform(null, CHANNEL, null, null, channelClass(true));
        assertNotNull(hooked);
        new ClassReader(hooked).accept(new CheckClassAdapter(null, true), 0); // throws on a bad stack or frame
        assertEquals(2, bridgeCalls(hooked, "fail", "error"), "both delivery calls of fail are rewritten");

        ClassLoader loader = new Throwaway(hooked);
        Class<?> type = loader.loadClass(CHANNEL.replace('/', '.'));
        Object channel = type.getConstructor().newInstance();
        IOException failure = new IOException("Connection reset by peer");
        type.getMethod("fail", Throwable.class).invoke(channel, failure);
        assertEquals(List.of(java.util.Arrays.asList("error", channel, null, FAIL.id(), failure)), Recorder.CALLS);
        assertSame(failure, delivered(loader), "the delivery call still gets the same object");

        Recorder.CALLS.clear();
        type.getMethod("fail", Throwable.class).invoke(channel, (Object) null);
        assertEquals(List.of(java.util.Arrays.asList("error", channel, null, FAIL.id(), null)), Recorder.CALLS,
                "a success passes null, for which the bridge returns at once");
        assertNull(delivered(loader));

        Recorder.CALLS.clear();
        type.getField("pendingRemote").set(channel, "10.0.0.7:443");
        type.getMethod("connect", Throwable.class).invoke(channel, failure);
        assertEquals(List.of(java.util.Arrays.asList("error", channel, "10.0.0.7:443", CONNECT.id(), failure)),
                Recorder.CALLS, "a connect passes the address it was connecting to");
    }

    @Test
    void readsAndWritesAreStampedWithoutChangingTheirResult() throws Exception {
        HookTransformer transformer = new HookTransformer(SITES, RECORDER);
        byte[] hooked = transformer.transform(null, CHANNEL, null, null, channelClass(true));
        new ClassReader(hooked).accept(new CheckClassAdapter(null, true), 0);
        Class<?> type = new Throwaway(hooked).loadClass(CHANNEL.replace('/', '.'));
        Object channel = type.getConstructor().newInstance();

        // IOUtil's "unavailable" (-2) and "interrupted" (-3) are no bytes; -1 stays the peer's EOF
        int[] counts = {7, 0, -1, -2, -3};
        long[] stamped = {7, 0, -1, 0, 0};
        for (int i = 0; i < counts.length; i++) {
            Recorder.CALLS.clear();
            assertEquals(counts[i], type.getMethod("read", int.class, Throwable.class).invoke(channel, counts[i], null));
            assertEquals(List.of(success(channel, READ), List.of("read", channel, stamped[i], READ.id())),
                    Recorder.CALLS, "read " + counts[i]);
        }
        Recorder.CALLS.clear();
        assertEquals(-2L, type.getMethod("readAll", long.class, Throwable.class).invoke(channel, -2L, null));
        assertEquals(List.of(success(channel, READ_ALL), List.of("read", channel, 0L, READ_ALL.id())), Recorder.CALLS);
        Recorder.CALLS.clear();
        assertEquals(9, type.getMethod("write", int.class, Throwable.class).invoke(channel, 9, null));
        assertEquals(List.of(success(channel, WRITE), List.of("wrote", channel, 9L, WRITE.id())), Recorder.CALLS);

        assertNull(transformer.tally().check(READ));
        assertNull(transformer.tally().check(READ_ALL));
        assertNull(transformer.tally().check(WRITE));
    }

    @Test
    void aReadSiteWithoutAnIoUtilCallIsReported() {
        HookSite readsNothing = site(0, "fail", List.of("java.lang.Throwable"), HookSite.Shape.ASYNC_DELIVERY,
                Bridge.READ_DONE);
        HookTransformer transformer = new HookTransformer(List.of(readsNothing), RECORDER);
        transformer.transform(null, CHANNEL, null, null, channelClass(true));
        assertEquals("no IOUtil read/write call found", transformer.tally().check(readsNothing));
    }

    @Test
    void withoutADeliveryCallTheMethodStaysAsItWasAndTheCheckSaysSo() throws Exception {
        HookTransformer transformer = new HookTransformer(SITES, RECORDER);
        byte[] hooked = transformer.transform(null, CHANNEL, null, null, channelClass(true));
        assertEquals(0, bridgeCalls(hooked, "idle", "error"));
        assertEquals(1, method(hooked, "idle").instructions.size(), "idle is still a lone return");
        assertEquals("no delivery call (Invoker, PendingFuture, CompletedFuture) found", transformer.tally().check(IDLE));
        assertNull(transformer.tally().check(FAIL));
        assertNull(transformer.tally().check(CONNECT));
    }

    @Test
    void aConnectSiteInAClassWithoutPendingRemoteIsLeftAloneAndReported() throws Exception {
        HookTransformer transformer = new HookTransformer(SITES, RECORDER);
        byte[] hooked = transformer.transform(null, CHANNEL, null, null, channelClass(false));
        assertEquals(0, bridgeCalls(hooked, "connect", "error"), "no field to read: no rewrite");
        assertEquals(1, bridgeCalls(hooked, "connect", "invoke"), "the delivery itself stays");
        assertEquals("no delivery call (Invoker, PendingFuture, CompletedFuture) found", transformer.tally().check(CONNECT));
        new Throwaway(hooked).loadClass(CHANNEL.replace('/', '.')).getConstructor().newInstance();
    }

    /** The delivery's report of a success: no throwable. */
    private static List<Object> success(Object channel, HookSite site) {
        return java.util.Arrays.asList("error", channel, null, site.id(), null);
    }

    // ---- the classes the rewrite runs on ----

    /**
     * An asynchronous channel as the JDK's look to the rewrite: {@code fail} delivers on two paths,
     * the others deliver once and pass an {@code IOUtil} result through.
     */
    private static byte[] channelClass(boolean withPendingRemote) {
        ClassWriter out = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        out.visit(V17, ACC_PUBLIC, CHANNEL, null, "java/lang/Object", null);
        if (withPendingRemote) {
            out.visitField(ACC_PUBLIC, "pendingRemote", "Ljava/lang/Object;", null, null).visitEnd();
        }
        MethodVisitor init = out.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        MethodVisitor fail = out.visitMethod(ACC_PUBLIC, "fail", "(Ljava/lang/Throwable;)V", null, null);
        fail.visitCode();
        Label failed = new Label();
        fail.visitVarInsn(ALOAD, 1);
        fail.visitJumpInsn(IFNONNULL, failed);
        fail.visitVarInsn(ALOAD, 0);
        fail.visitInsn(ACONST_NULL);
        fail.visitMethodInsn(INVOKESTATIC, INVOKER, "invoke", DELIVER, false);
        fail.visitInsn(RETURN);
        fail.visitLabel(failed);
        deliver(fail);
        fail.visitInsn(RETURN);
        fail.visitMaxs(0, 0);
        fail.visitEnd();

        MethodVisitor connect = out.visitMethod(ACC_PUBLIC, "connect", "(Ljava/lang/Throwable;)V", null, null);
        connect.visitCode();
        deliver(connect);
        connect.visitInsn(RETURN);
        connect.visitMaxs(0, 0);
        connect.visitEnd();

        ioMethod(out, "read", "I", "read");
        ioMethod(out, "readAll", "J", "read");
        ioMethod(out, "write", "I", "write");

        MethodVisitor idle = out.visitMethod(ACC_PUBLIC, "idle", "()V", null, null);
        idle.visitCode();
        idle.visitInsn(RETURN);
        idle.visitMaxs(0, 0);
        idle.visitEnd();
        out.visitEnd();
        return out.toByteArray();
    }

    /** {@code Invoker.invoke(this, <parameter 1>)}. */
    private static void deliver(MethodVisitor code) {
        code.visitVarInsn(ALOAD, 0);
        code.visitVarInsn(ALOAD, 1);
        code.visitMethodInsn(INVOKESTATIC, INVOKER, "invoke", DELIVER, false);
    }

    /** {@code T name(T n, Throwable exc) { Invoker.invoke(this, exc); return IOUtil.io(n); }} */
    private static void ioMethod(ClassWriter out, String name, String t, String io) {
        boolean wide = t.equals("J");
        MethodVisitor code = out.visitMethod(ACC_PUBLIC, name, "(" + t + "Ljava/lang/Throwable;)" + t, null, null);
        code.visitCode();
        code.visitVarInsn(ALOAD, 0);
        code.visitVarInsn(ALOAD, wide ? 3 : 2);
        code.visitMethodInsn(INVOKESTATIC, INVOKER, "invoke", DELIVER, false);
        code.visitVarInsn(wide ? LLOAD : ILOAD, 1);
        code.visitMethodInsn(INVOKESTATIC, IOUTIL, io, "(" + t + ")" + t, false);
        code.visitInsn(wide ? LRETURN : IRETURN);
        code.visitMaxs(0, 0);
        code.visitEnd();
    }

    /** Stand-in for {@code sun.nio.ch.Invoker}: keeps what it was handed in {@code delivered}. */
    private static byte[] invokerClass() {
        ClassWriter out = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        out.visit(V17, ACC_PUBLIC, INVOKER, null, "java/lang/Object", null);
        out.visitField(ACC_PUBLIC | ACC_STATIC, "delivered", "Ljava/lang/Throwable;", null, null).visitEnd();
        MethodVisitor invoke = out.visitMethod(ACC_PUBLIC | ACC_STATIC, "invoke", DELIVER, null, null);
        invoke.visitCode();
        invoke.visitVarInsn(ALOAD, 1);
        invoke.visitFieldInsn(PUTSTATIC, INVOKER, "delivered", "Ljava/lang/Throwable;");
        invoke.visitInsn(RETURN);
        invoke.visitMaxs(0, 0);
        invoke.visitEnd();
        out.visitEnd();
        return out.toByteArray();
    }

    /** Stand-in for {@code sun.nio.ch.IOUtil}: each call returns the count it is given. */
    private static byte[] ioUtilClass() {
        ClassWriter out = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        out.visit(V17, ACC_PUBLIC, IOUTIL, null, "java/lang/Object", null);
        for (String[] m : new String[][] {{"read", "I"}, {"read", "J"}, {"write", "I"}}) {
            MethodVisitor code = out.visitMethod(ACC_PUBLIC | ACC_STATIC, m[0], "(" + m[1] + ")" + m[1], null, null);
            code.visitCode();
            code.visitVarInsn(m[1].equals("J") ? LLOAD : ILOAD, 0);
            code.visitInsn(m[1].equals("J") ? LRETURN : IRETURN);
            code.visitMaxs(0, 0);
            code.visitEnd();
        }
        out.visitEnd();
        return out.toByteArray();
    }

    private static Object delivered(ClassLoader loader) throws Exception {
        return loader.loadClass(INVOKER.replace('/', '.')).getField("delivered").get(null);
    }

    private static MethodNode method(byte[] classFile, String name) {
        ClassNode node = new ClassNode();
        new ClassReader(classFile).accept(node, 0);
        for (MethodNode method : node.methods) {
            if (method.name.equals(name)) {
                return method;
            }
        }
        throw new AssertionError("no method " + name);
    }

    /** Calls named {@code name} in the method: to the recorder (the bridge) or the Invoker. */
    private static int bridgeCalls(byte[] classFile, String methodName, String name) {
        int calls = 0;
        for (AbstractInsnNode insn : method(classFile, methodName).instructions) {
            if (insn instanceof MethodInsnNode call && call.name.equals(name)
                    && (call.owner.equals(RECORDER) || call.owner.equals(INVOKER))) {
                calls++;
            }
        }
        return calls;
    }

    /** Defines the rewritten channel and the JDK stand-ins itself; everything else comes from the test's loader. */
    private static final class Throwaway extends ClassLoader {
        private final Map<String, byte[]> own;

        Throwaway(byte[] channel) {
            super(AsyncDeliveryTest.class.getClassLoader());
            own = Map.of(CHANNEL.replace('/', '.'), channel, INVOKER.replace('/', '.'), invokerClass(),
                    IOUTIL.replace('/', '.'), ioUtilClass());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            byte[] bytes = own.get(name);
            if (bytes == null) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                return loaded != null ? loaded : defineClass(name, bytes, 0, bytes.length);
            }
        }
    }
}
