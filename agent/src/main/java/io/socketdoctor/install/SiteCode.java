package io.socketdoctor.install;

import io.socketdoctor.hook.HookSite;
import io.socketdoctor.bootstrap.Bridge;
import java.util.Map;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The calls a JDK hook site makes to the bridge, by {@link HookSite.Shape}: which object is the
 * connection, what a failure passes as detail, what a return reports. The bridge's methods
 * (see {@link Bridge}) return at once when the agent is off and never throw.
 *
 * <p>Each return hook keeps the return value on the stack and adds no branch: a boolean result
 * becomes the event code itself ({@code connected * OPENED}, and the bridge ignores event 0), a
 * null accepted channel is ignored by the bridge.
 */
final class SiteCode implements ExitHook.Code {

    private static final String OBJECT = "Ljava/lang/Object;";
    private static final String ERROR = "(" + OBJECT + OBJECT + "ILjava/lang/Throwable;)V";
    private static final String EVENT = "(" + OBJECT + OBJECT + "II)V";
    private static final String STAMP = "(" + OBJECT + "JI)V";

    private final HookSite site;
    private final String bridge;
    private final String owner;
    private final int access;
    private final String descriptor;
    /** For the stream shapes: the descriptor of the owning socket's field {@code parent}. */
    private final String parentField;

    private SiteCode(HookSite site, String bridge, String owner, int access, String descriptor, String parentField) {
        this.site = site;
        this.bridge = bridge;
        this.owner = owner;
        this.access = access;
        this.descriptor = descriptor;
        this.parentField = parentField;
    }

    /**
     * The code for {@code site} in this method, or null with the reason in {@code problem[0]} when the
     * class lacks a field the shape reads.
     */
    static SiteCode of(HookSite site, String bridge, String owner, int access, String descriptor,
                       Map<String, String> fields, String[] problem) {
        String parent = null;
        switch (site.shape()) {
            case STREAM_READ:
            case STREAM_WRITE:
                parent = fields.get("parent");
                if (parent == null) {
                    problem[0] = "no field 'parent' in " + owner;
                    return null;
                }
                break;
            case SOCKET_IMPL:
                if (!"Z".equals(fields.get("server"))) {
                    problem[0] = "no boolean field 'server' in " + owner;
                    return null;
                }
                break;
            default:
                break;
        }
        return new SiteCode(site, bridge, owner, access, descriptor, parent);
    }

    @Override
    public boolean reportsThrows() {
        return site.shape() != HookSite.Shape.CONSTRUCTED;
    }

    @Override
    public boolean reportsReturns() {
        return reportsReturns(site.shape());
    }

    /** Whether a site of this shape reports its normal returns (else failures only). */
    static boolean reportsReturns(HookSite.Shape shape) {
        switch (shape) {
            case STREAM_READ, INT_RESULT, LONG_RESULT, STREAM_WRITE, WRITE_FULLY, CONNECT, CHANNEL_CONNECT,
                 FINISH_CONNECT, ACCEPT, IMPL_ACCEPT, LIFECYCLE, CONSTRUCTED:
                return true;
            default:
                return false; // failures only
        }
    }

    @Override
    public int extraStack() {
        return 6;
    }

    @Override
    public void onThrow(MethodVisitor code, int thrown) {
        loadConnection(code);
        loadFailureDetail(code);
        pushSite(code);
        code.visitVarInsn(Opcodes.ALOAD, thrown);
        code.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, "error", ERROR, false);
        if (site.shape() == HookSite.Shape.LIFECYCLE && site.kind() == Bridge.CLOSED) {
            // a close that threw still closed the socket
            report(code, site.kind());
        }
    }

    @Override
    public void onReturn(MethodVisitor code, int returnOpcode) {
        switch (site.shape()) {
            case STREAM_READ:
            case INT_RESULT:                        // [n]
                code.visitInsn(Opcodes.DUP);
                code.visitInsn(Opcodes.I2L);        // n nL
                stamp(code);
                break;
            case LONG_RESULT:                       // [nL]
                code.visitInsn(Opcodes.DUP2);       // nL nL
                stamp(code);
                break;
            case STREAM_WRITE:
            case WRITE_FULLY:                       // void write(byte[] b, int off, int len): all len bytes written
                code.visitVarInsn(Opcodes.ILOAD, ExitHook.parameterSlot(access, descriptor, 2));
                code.visitInsn(Opcodes.I2L);        // lenL
                stamp(code);
                break;
            case CONNECT:                           // void connect(SocketAddress, ...): connected
                loadConnection(code);
                loadArgument(code, 0);
                pushSite(code);
                pushInt(code, Bridge.OPENED);
                code.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, "event", EVENT, false);
                break;
            case CHANNEL_CONNECT:
            case FINISH_CONNECT:                    // [z]: true means connected
                code.visitInsn(Opcodes.DUP);        // z z
                loadConnection(code);
                code.visitInsn(Opcodes.SWAP);       // z ch z
                if (site.shape() == HookSite.Shape.CHANNEL_CONNECT) {
                    loadArgument(code, 0);
                } else {
                    code.visitInsn(Opcodes.ACONST_NULL);
                }
                code.visitInsn(Opcodes.SWAP);       // z ch addr z
                pushSite(code);
                code.visitInsn(Opcodes.SWAP);       // z ch addr site z
                pushInt(code, Bridge.OPENED);
                code.visitInsn(Opcodes.IMUL);       // z ch addr site (z ? OPENED : 0)
                code.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, "event", EVENT, false);
                break;
            case ACCEPT:                            // [accepted or null]
                code.visitInsn(Opcodes.DUP);        // acc acc
                loadConnection(code);               // acc acc server
                pushSite(code);
                pushInt(code, Bridge.OPENED);
                code.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, "event", EVENT, false);
                break;
            case IMPL_ACCEPT:                       // void implAccept(Socket accepted)
                loadArgument(code, 0);
                loadConnection(code);
                pushSite(code);
                pushInt(code, Bridge.OPENED);
                code.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, "event", EVENT, false);
                break;
            case LIFECYCLE:
            case CONSTRUCTED:
                report(code, site.kind());
                break;
            default:
                break;                              // failures only
        }
    }

    /** [.., nL] -> Bridge.read/wrote(connection, nL, site) -> [..] */
    private void stamp(MethodVisitor code) {
        loadConnection(code);                       // nL c
        code.visitInsn(Opcodes.DUP_X2);             // c nL c
        code.visitInsn(Opcodes.POP);                // c nL
        pushSite(code);
        String method = site.kind() == Bridge.WRITE_DONE || site.shape() == HookSite.Shape.STREAM_WRITE
                || site.shape() == HookSite.Shape.WRITE_FULLY ? "wrote" : "read";
        code.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, method, STAMP, false);
    }

    /** Bridge.event(connection, null, site, event) */
    private void report(MethodVisitor code, int event) {
        loadConnection(code);
        code.visitInsn(Opcodes.ACONST_NULL);
        pushSite(code);
        pushInt(code, event);
        code.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, "event", EVENT, false);
    }

    /** The connection: the instance, or for the Socket streams the owning socket. */
    private void loadConnection(MethodVisitor code) {
        code.visitVarInsn(Opcodes.ALOAD, 0);
        if (parentField != null) {
            code.visitFieldInsn(Opcodes.GETFIELD, owner, "parent", parentField);
        }
    }

    private void loadFailureDetail(MethodVisitor code) {
        switch (site.shape()) {
            case INSTANCE_AND_ARGUMENT:
            case CONNECT:
            case CHANNEL_CONNECT:
                loadArgument(code, 0);
                break;
            case INSTANCE_AND_SECOND_ARGUMENT:
                loadArgument(code, 1);
                break;
            case SOCKET_IMPL:
                // whether the impl serves a ServerSocket, as one of the two cached Booleans (no allocation)
                code.visitVarInsn(Opcodes.ALOAD, 0);
                code.visitFieldInsn(Opcodes.GETFIELD, owner, "server", "Z");
                code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Boolean", "valueOf",
                        "(Z)Ljava/lang/Boolean;", false);
                break;
            default:
                code.visitInsn(Opcodes.ACONST_NULL);
                break;
        }
    }

    private void loadArgument(MethodVisitor code, int index) {
        code.visitVarInsn(Opcodes.ALOAD, ExitHook.parameterSlot(access, descriptor, index));
    }

    private void pushSite(MethodVisitor code) {
        pushInt(code, site.id());
    }

    static void pushInt(MethodVisitor code, int value) {
        if (value >= -1 && value <= 5) {
            code.visitInsn(Opcodes.ICONST_0 + value);
        } else if (value >= Byte.MIN_VALUE && value <= Byte.MAX_VALUE) {
            code.visitIntInsn(Opcodes.BIPUSH, value);
        } else {
            code.visitIntInsn(Opcodes.SIPUSH, value);
        }
    }
}
