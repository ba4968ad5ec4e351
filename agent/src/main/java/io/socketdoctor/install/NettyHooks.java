package io.socketdoctor.install;

import io.socketdoctor.bootstrap.LibraryBridge;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Netty's native transports (epoll, io_uring, kqueue), which never touch the JDK's socket classes.
 *
 * <p>All of them report a failed native call through one class, {@code io.netty.channel.unix.Errors}
 * (same methods in Netty 4.1 and 4.2), with the call's name and its errno (negated) as arguments:
 * {@code ioResult(String,int)} throws a new {@code NativeIoException} (or, for EBADF, ENOTCONN,
 * ENOENT, the JDK's closed/not-connected exceptions), {@code newIOException(String,int)} makes one
 * that its caller throws or delivers, and {@code throwConnectException}/{@code handleConnectErrno}
 * throw a {@code java.net.ConnectException} (or {@code NoRouteToHostException}) for connect and
 * finishConnect. Hooking these, rather than the exception's constructor, reports a failure when it
 * happens (older 4.1 releases pre-build exceptions in statics and throw them through the 4-argument
 * {@code ioResult}) and takes the errno from the argument, never from the message.
 *
 * <p>Nothing here names a Netty class: the class is matched by name as it loads, in whatever class
 * loader (shaded copies such as {@code io.grpc.netty.shaded.io.netty.channel.unix.Errors} too), so
 * a host without Netty loads no Netty class and sees no problem. The hooks call
 * {@link LibraryBridge}; a loader that does not resolve that name to the agent's own class (an
 * isolated plug-in loader) is left alone and named once on stderr.
 */
public final class NettyHooks {

    /** Binary name of the class every native transport reports its failures through. */
    public static final String ERRORS = "io.netty.channel.unix.Errors";
    private static final String ERRORS_INTERNAL = "io/netty/channel/unix/Errors";
    private static final String LIBRARY_BRIDGE = LibraryBridge.class.getName().replace('.', '/');
    private static final String NETTY_ERROR = "(Ljava/lang/String;ILjava/lang/Throwable;I)V";

    /**
     * One static method of {@code Errors} taking {@code (String method, int negativeErrno, ...)}: whether
     * it throws the failure or creates it, its flags, and whether every known Netty has it.
     */
    record Site(String name, String method, int arguments, boolean creates, int flags, boolean required) {
        boolean matches(int access, String methodName, String descriptor) {
            return (access & Opcodes.ACC_STATIC) != 0 && method.equals(methodName)
                    && descriptor.startsWith("(Ljava/lang/String;I")
                    && Type.getArgumentTypes(descriptor).length == arguments;
        }
    }

    static final List<Site> SITES = List.of(
            new Site("ioResult(String,int)", "ioResult", 2, false, 0, true),
            new Site("newIOException(String,int)", "newIOException", 2, true, LibraryBridge.CREATED, true),
            new Site("throwConnectException(String,int)", "throwConnectException", 2, false, 0, true),
            new Site("handleConnectErrno(String,int)", "handleConnectErrno", 2, false, 0, true),
            // Deprecated; called by releases that throw pre-built exceptions (it may also call
            // newIOException, whose report the runtime then recognises as the same failure).
            new Site("ioResult(String,int,NativeIoException,ClosedChannelException)", "ioResult", 4, false,
                    LibraryBridge.CACHED, false));

    private static final CopyOnWriteArrayList<String> PROBLEMS = new CopyOnWriteArrayList<>();

    private NettyHooks() {
    }

    /** {@code Errors} itself, or a shaded copy of it ({@code io/grpc/netty/shaded/io/netty/...}), by internal name. */
    static boolean isErrorsClass(String internalName) {
        return internalName.endsWith(ERRORS_INTERNAL)
                && (internalName.length() == ERRORS_INTERNAL.length()
                    || internalName.charAt(internalName.length() - ERRORS_INTERNAL.length() - 1) == '/');
    }

    /** The hooked class file, or null to leave it as it is (its loader cannot see the agent). */
    static byte[] transform(ClassLoader loader, String internalName, byte[] classFile) {
        String name = internalName.replace('/', '.');
        if (!seesAgent(loader)) {
            problem(name + " in " + loader + ": that class loader cannot see the agent's classes");
            return null;
        }
        int[] matched = new int[SITES.size()];
        byte[] hooked = HookTransformer.rewrite(classFile, new Visitors(matched));
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < SITES.size(); i++) {
            if (matched[i] != 1 && SITES.get(i).required()) {
                missing.add(SITES.get(i).name() + " matched " + matched[i]);
            }
        }
        if (!missing.isEmpty()) {
            problem(name + " in " + loader + ": " + String.join(", ", missing));
        }
        return hooked;
    }

    private static final class Visitors implements HookTransformer.Visitors {
        private final int[] matched;

        Visitors(int[] matched) {
            this.matched = matched;
        }

        @Override
        public ClassVisitor around(ClassWriter writer) {
            return new ClassHooks(writer) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                                 String[] exceptions) {
                    MethodVisitor code = super.visitMethod(access, name, descriptor, signature, exceptions);
                    for (int i = 0; i < SITES.size(); i++) {
                        if (SITES.get(i).matches(access, name, descriptor)) {
                            matched[i]++;
                            return new ExitHook(code, owner, access, name, descriptor, new Code(SITES.get(i)));
                        }
                    }
                    return code;
                }
            };
        }
    }

    /**
     * {@code LibraryBridge.nettyError(method, negativeErrno, failure, flags)}: on a throw for the
     * throwing methods, on return (with the new exception) for {@code newIOException}.
     */
    private static final class Code implements ExitHook.Code {
        private final Site site;

        Code(Site site) {
            this.site = site;
        }

        @Override
        public boolean reportsThrows() {
            return !site.creates();
        }

        @Override
        public boolean reportsReturns() {
            return site.creates();
        }

        @Override
        public void onThrow(MethodVisitor code, int thrown) {
            code.visitVarInsn(Opcodes.ALOAD, 0);
            code.visitVarInsn(Opcodes.ILOAD, 1);
            code.visitVarInsn(Opcodes.ALOAD, thrown);
            SiteCode.pushInt(code, site.flags());
            code.visitMethodInsn(Opcodes.INVOKESTATIC, LIBRARY_BRIDGE, "nettyError", NETTY_ERROR, false);
        }

        @Override
        public void onReturn(MethodVisitor code, int returnOpcode) {
            if (!site.creates() || returnOpcode != Opcodes.ARETURN) {
                return;
            }
            code.visitInsn(Opcodes.DUP);            // e e
            code.visitVarInsn(Opcodes.ALOAD, 0);
            code.visitInsn(Opcodes.SWAP);           // e method e
            code.visitVarInsn(Opcodes.ILOAD, 1);
            code.visitInsn(Opcodes.SWAP);           // e method errno e
            SiteCode.pushInt(code, site.flags());
            code.visitMethodInsn(Opcodes.INVOKESTATIC, LIBRARY_BRIDGE, "nettyError", NETTY_ERROR, false);
        }

        @Override
        public int extraStack() {
            return 5;
        }
    }

    /** Whether hooked code in a class of {@code loader} would link {@link LibraryBridge} to the agent's own. */
    static boolean seesAgent(ClassLoader loader) {
        if (loader == null) {
            return false;
        }
        try {
            return Class.forName(LibraryBridge.class.getName(), false, loader) == LibraryBridge.class;
        } catch (Throwable t) {
            return false;
        }
    }

    private static void problem(String problem) {
        if (PROBLEMS.size() < 16 && PROBLEMS.addIfAbsent(problem)) {
            System.err.println("socket-doctor: Netty's native-transport failures will not be diagnosed for " + problem);
        }
    }

    /** What could not be instrumented in the Netty classes loaded so far (empty when all is well or no Netty). */
    public static List<String> problems() {
        return List.copyOf(PROBLEMS);
    }
}
