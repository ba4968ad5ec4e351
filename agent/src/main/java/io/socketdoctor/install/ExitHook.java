package io.socketdoctor.install;

import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Writes a hook into one method's bytecode, in ASM terms: the two places where a method ends.
 *
 * <ul>
 * <li><b>Every return</b>: {@link Code#onReturn} reports the result (a read's count, an accepted
 *     channel) with the return value still on the stack. Straight-line code: no branch, no local.</li>
 * <li><b>A throw</b>: a catch-all handler over the whole original body, appended <em>last</em> to
 *     the exception table so that the method's own handlers keep precedence. It stores the
 *     {@code Throwable} in a new local, lets {@link Code#onThrow} report it, and throws that very
 *     object again. The report itself is guarded by a second catch-all that drops anything it
 *     throws (a {@code StackOverflowError} in the bridge's prologue), so the application always
 *     receives its own exception.</li>
 * </ul>
 *
 * <p>Frames: only the two handlers need one, and both are known without analysis. The method's
 * locals there are {@code this} and the parameters, at their declared types (javac never reuses a
 * parameter's slot for another variable), so each handler gets a full frame built from the
 * descriptor; nothing asks {@code getCommonSuperClass}, which would load classes. Constructors get
 * no catch-all (their {@code this} may be uninitialised), only the return hook.
 */
final class ExitHook extends MethodVisitor {

    /** What a hook reports; the structure around it is {@link ExitHook}'s. */
    interface Code {
        /** Whether failures are reported (a catch-all is added). */
        boolean reportsThrows();

        /** Reports the {@code Throwable} held in local {@code thrown}; leaves the stack empty. */
        void onThrow(MethodVisitor code, int thrown);

        /** At a return with its value (if any) on top: reports it and leaves the stack as it was. */
        void onReturn(MethodVisitor code, int returnOpcode);

        /** Operand-stack slots the inserted code needs beyond the method's own. */
        int extraStack();
    }

    private static final String THROWABLE = "java/lang/Throwable";

    private final Code code;
    private final Object[] entryLocals;
    private final boolean catchesThrows;
    private final Label bodyStart = new Label();

    /**
     * @param owner      internal name of the class
     * @param access     the method's access flags
     * @param name       the method's name
     * @param descriptor the method's descriptor
     */
    ExitHook(MethodVisitor target, String owner, int access, String name, String descriptor, Code code) {
        super(Opcodes.ASM9, target);
        this.code = code;
        this.catchesThrows = code.reportsThrows() && !"<init>".equals(name);
        this.entryLocals = entryLocals(owner, access, descriptor);
    }

    /** {@code this} and the parameters as frame entries (one entry per long/double, as frames count them). */
    static Object[] entryLocals(String owner, int access, String descriptor) {
        Type[] parameters = Type.getArgumentTypes(descriptor);
        boolean instance = (access & Opcodes.ACC_STATIC) == 0;
        Object[] locals = new Object[parameters.length + (instance ? 1 : 0)];
        int i = 0;
        if (instance) {
            locals[i++] = owner;
        }
        for (Type parameter : parameters) {
            locals[i++] = frameType(parameter);
        }
        return locals;
    }

    private static Object frameType(Type type) {
        switch (type.getSort()) {
            case Type.BOOLEAN:
            case Type.BYTE:
            case Type.CHAR:
            case Type.SHORT:
            case Type.INT:
                return Opcodes.INTEGER;
            case Type.FLOAT:
                return Opcodes.FLOAT;
            case Type.LONG:
                return Opcodes.LONG;
            case Type.DOUBLE:
                return Opcodes.DOUBLE;
            case Type.ARRAY:
                return type.getDescriptor();
            default:
                return type.getInternalName();
        }
    }

    /** The local slot of parameter {@code index} (0-based, {@code this} not counted). */
    static int parameterSlot(int access, String descriptor, int index) {
        int slot = (access & Opcodes.ACC_STATIC) == 0 ? 1 : 0;
        Type[] parameters = Type.getArgumentTypes(descriptor);
        for (int i = 0; i < index; i++) {
            slot += parameters[i].getSize();
        }
        return slot;
    }

    @Override
    public void visitCode() {
        super.visitCode();
        if (catchesThrows) {
            super.visitLabel(bodyStart);
        }
    }

    @Override
    public void visitInsn(int opcode) {
        if (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
            code.onReturn(mv, opcode);
        }
        super.visitInsn(opcode);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        int stack = maxStack + code.extraStack();
        if (!catchesThrows) {
            super.visitMaxs(stack, maxLocals);
            return;
        }
        int thrown = maxLocals; // a new local, past every one the method has
        Label handler = new Label();
        Label reportStart = new Label();
        Label reportEnd = new Label();
        Label reportFailed = new Label();
        Object[] throwableOnStack = {THROWABLE};

        // The original body ends with an unconditional jump, return or throw: nothing falls in here.
        super.visitLabel(handler);
        super.visitFrame(Opcodes.F_FULL, entryLocals.length, entryLocals, 1, throwableOnStack);
        super.visitVarInsn(Opcodes.ASTORE, thrown);
        super.visitLabel(reportStart);
        code.onThrow(mv, thrown);
        super.visitLabel(reportEnd);
        super.visitVarInsn(Opcodes.ALOAD, thrown);
        super.visitInsn(Opcodes.ATHROW);

        // The report failed: drop what it threw, throw the application's exception.
        super.visitLabel(reportFailed);
        Object[] withThrown = localsWithThrown(maxLocals);
        super.visitFrame(Opcodes.F_FULL, withThrown.length, withThrown, 1, throwableOnStack);
        super.visitInsn(Opcodes.POP);
        super.visitVarInsn(Opcodes.ALOAD, thrown);
        super.visitInsn(Opcodes.ATHROW);

        // Appended after the method's own entries (visited earlier): theirs are searched first.
        super.visitTryCatchBlock(reportStart, reportEnd, reportFailed, null);
        super.visitTryCatchBlock(bodyStart, handler, handler, null);
        super.visitMaxs(Math.max(stack, 1 + code.extraStack()), maxLocals + 1);
    }

    /** The entry locals, {@code TOP} for every slot up to {@code thrown}, then the Throwable there. */
    private Object[] localsWithThrown(int thrown) {
        int slots = 0;
        for (Object local : entryLocals) {
            slots += local == Opcodes.LONG || local == Opcodes.DOUBLE ? 2 : 1;
        }
        Object[] locals = new Object[entryLocals.length + (thrown - slots) + 1];
        System.arraycopy(entryLocals, 0, locals, 0, entryLocals.length);
        for (int i = entryLocals.length; i < locals.length - 1; i++) {
            locals[i] = Opcodes.TOP;
        }
        locals[locals.length - 1] = THROWABLE;
        return locals;
    }
}
