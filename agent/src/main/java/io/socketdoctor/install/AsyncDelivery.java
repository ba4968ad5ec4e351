package io.socketdoctor.install;

import io.socketdoctor.hook.HookSite;
import io.socketdoctor.bootstrap.Bridge;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The hook for asynchronous channels, where a failure is not thrown by the method that made it: the
 * JDK creates the exception (often on a group or timer thread) and hands it to exactly one delivery
 * call, {@code PendingFuture.setResult/setFailure}, {@code CompletedFuture.withResult/withFailure} or
 * {@code Invoker.invoke*}, whose last parameter is the {@code Throwable} (null on success).
 *
 * <p>A hook at the method's exits cannot see the JDK method's local that holds it, so this rewrites those call
 * sites inside the instrumented method: right before each delivery call, the {@code Throwable} on
 * top of the operand stack is duplicated and passed, with the channel and the site id, to
 * {@code Bridge.error} (which returns at once for {@code null}); the delivery call then proceeds
 * with the very same object. Straight-line code only (no branch, no new local), so the method's
 * stack-map frames stay valid. The same method's {@code IOUtil.read}/{@code write} results go to
 * {@code Bridge.read}/{@code wrote} for the success stamps and the peer's EOF: a read's
 * "unavailable" (-2) and "interrupted" (-3) are mapped to 0 without a branch, -1 stays EOF.
 *
 * <p>Each failure passes exactly one delivery call of one method, on one thread: the JDK's own
 * {@code Invoker} (which re-dispatches to other threads) is not instrumented, so nothing is
 * reported twice. Counts of rewritten calls per site are kept for the installer's check.
 */
final class AsyncDelivery {

    private static final String THROWABLE = "Ljava/lang/Throwable;)";
    private static final String ERROR_DESC = "(Ljava/lang/Object;Ljava/lang/Object;ILjava/lang/Throwable;)V";
    private static final String STAMP_DESC = "(Ljava/lang/Object;JI)V";
    /** Extra operand-stack slots the inserted sequences need at most. */
    private static final int EXTRA_STACK = 6;

    private final HookSite site;
    private final String bridge;
    private final AtomicIntegerArray deliveries;
    private final AtomicIntegerArray stamps;

    AsyncDelivery(HookSite site, String bridgeInternalName, AtomicIntegerArray deliveries, AtomicIntegerArray stamps) {
        this.site = site;
        this.bridge = bridgeInternalName;
        this.deliveries = deliveries;
        this.stamps = stamps;
    }

    /**
     * The method's code with its delivery calls rewritten, or {@code visitor} itself when the class
     * lacks a field the site reads (the installer then reports 0 rewritten calls).
     *
     * @param owner  internal name of the class
     * @param fields the class's fields: name to descriptor
     */
    MethodVisitor wrap(MethodVisitor visitor, String owner, Map<String, String> fields) {
        String channelField = null;
        String channelDesc = null;
        String detailDesc = null;
        if (site.shape() == HookSite.Shape.ASYNC_TIMEOUT_DELIVERY) {
            channelField = "this$0";
            channelDesc = fields.get(channelField);
            if (channelDesc == null) {
                return visitor;
            }
        }
        if (site.shape() == HookSite.Shape.ASYNC_CONNECT_DELIVERY) {
            detailDesc = fields.get("pendingRemote");
            if (detailDesc == null) {
                return visitor;
            }
        }
        return new Rewriter(visitor, owner, channelField, channelDesc, detailDesc);
    }

    private final class Rewriter extends MethodVisitor {
        private final String owner;
        private final String channelField;
        private final String channelDesc;
        private final String detailDesc;

        Rewriter(MethodVisitor visitor, String owner, String channelField, String channelDesc, String detailDesc) {
            super(Opcodes.ASM9, visitor);
            this.owner = owner;
            this.channelField = channelField;
            this.channelDesc = channelDesc;
            this.detailDesc = detailDesc;
        }

        @Override
        public void visitMethodInsn(int opcode, String callee, String name, String descriptor, boolean isInterface) {
            if (isDelivery(callee, descriptor)) {
                reportThrowableOnTop();
                deliveries.incrementAndGet(site.id());
                super.visitMethodInsn(opcode, callee, name, descriptor, isInterface);
                return;
            }
            super.visitMethodInsn(opcode, callee, name, descriptor, isInterface);
            if (opcode == Opcodes.INVOKESTATIC && "sun/nio/ch/IOUtil".equals(callee)) {
                boolean wide = descriptor.endsWith(")J");
                boolean count = descriptor.endsWith(")I") || wide;
                if (count && site.kind() == Bridge.READ_DONE && "read".equals(name)) {
                    stampRead(wide);
                    stamps.incrementAndGet(site.id());
                } else if (count && site.kind() == Bridge.WRITE_DONE && "write".equals(name)) {
                    stampWrite(wide);
                    stamps.incrementAndGet(site.id());
                }
            }
        }

        private boolean isDelivery(String callee, String descriptor) {
            return ("sun/nio/ch/Invoker".equals(callee) || "sun/nio/ch/PendingFuture".equals(callee)
                    || "sun/nio/ch/CompletedFuture".equals(callee)) && descriptor.contains(THROWABLE);
        }

        /** [.., exc] → Bridge.error(channel, detail, site, exc) → [.., exc] */
        private void reportThrowableOnTop() {
            super.visitInsn(Opcodes.DUP);               // exc exc
            loadChannel();                              // exc exc ch
            super.visitInsn(Opcodes.SWAP);              // exc ch exc
            if (detailDesc == null) {
                super.visitInsn(Opcodes.ACONST_NULL);
            } else {
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitFieldInsn(Opcodes.GETFIELD, owner, "pendingRemote", detailDesc);
            }                                           // exc ch exc d
            super.visitInsn(Opcodes.SWAP);              // exc ch d exc
            super.visitLdcInsn(site.id());              // exc ch d exc site
            super.visitInsn(Opcodes.SWAP);              // exc ch d site exc
            super.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, "error", ERROR_DESC, false);
        }

        private void loadChannel() {
            super.visitVarInsn(Opcodes.ALOAD, 0);
            if (channelField != null) {
                super.visitFieldInsn(Opcodes.GETFIELD, owner, channelField, channelDesc);
            }
        }

        /** [.., n] → Bridge.read(channel, n == -1 ? -1 : max(n, 0), site) → [.., n], without a branch. */
        private void stampRead(boolean wide) {
            if (wide) {
                super.visitInsn(Opcodes.DUP2);
                super.visitInsn(Opcodes.L2I);           // nL n
            } else {
                super.visitInsn(Opcodes.DUP);           // n n
            }                                           // (below: on the copy n only)
            super.visitInsn(Opcodes.DUP);
            super.visitInsn(Opcodes.DUP);               // n n n
            super.visitIntInsn(Opcodes.BIPUSH, 31);
            super.visitInsn(Opcodes.ISHR);              // n n sign
            super.visitInsn(Opcodes.ICONST_M1);
            super.visitInsn(Opcodes.IXOR);              // n n ~sign
            super.visitInsn(Opcodes.IAND);              // n m=max(n,0)
            super.visitInsn(Opcodes.SWAP);              // m n
            super.visitInsn(Opcodes.ICONST_1);
            super.visitInsn(Opcodes.IADD);              // m x=n+1
            super.visitInsn(Opcodes.DUP);
            super.visitInsn(Opcodes.INEG);
            super.visitInsn(Opcodes.IOR);               // m x|-x
            super.visitIntInsn(Opcodes.BIPUSH, 31);
            super.visitInsn(Opcodes.IUSHR);             // m (x != 0)
            super.visitInsn(Opcodes.ICONST_1);
            super.visitInsn(Opcodes.IXOR);              // m eof
            super.visitInsn(Opcodes.ISUB);              // f
            super.visitInsn(Opcodes.I2L);               // fL
            callStamp("read");
        }

        /** [.., n] → Bridge.wrote(channel, n, site) → [.., n] (wrote ignores n <= 0). */
        private void stampWrite(boolean wide) {
            if (wide) {
                super.visitInsn(Opcodes.DUP2);          // nL nL
            } else {
                super.visitInsn(Opcodes.DUP);
                super.visitInsn(Opcodes.I2L);           // n nL
            }
            callStamp("wrote");
        }

        /** [.., fL] → Bridge.read/wrote(channel, fL, site) */
        private void callStamp(String method) {
            loadChannel();                              // fL ch
            super.visitInsn(Opcodes.DUP_X2);            // ch fL ch
            super.visitInsn(Opcodes.POP);               // ch fL
            super.visitLdcInsn(site.id());              // ch fL site
            super.visitMethodInsn(Opcodes.INVOKESTATIC, bridge, method, STAMP_DESC, false);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + EXTRA_STACK, maxLocals);
        }
    }
}
