package io.socketdoctor.install;

import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Writes a hook into one method's bytecode, in ASM terms: the two places where a method ends.
 *
 * <ul>
 * <li><b>Every return</b> becomes a jump to one exit block appended after the method's code,
 *     where {@link Code#onReturn} reports the result (a read's count, an accepted channel) and the
 *     method then returns it. The report is guarded by a catch-all that drops whatever it throws (a
 *     {@code StackOverflowError} in the bridge's prologue) and returns the result all the same: a
 *     call that succeeded always returns, with its own value.</li>
 * <li><b>A throw</b>: a catch-all handler over the whole original body, appended <em>last</em> to
 *     the exception table so that the method's own handlers keep precedence. It stores the
 *     {@code Throwable} in a new local, lets {@link Code#onThrow} report it, and throws that very
 *     object again. The report is guarded the same way, so the application always receives its own
 *     exception.</li>
 * </ul>
 *
 * <p>Frames: only the blocks appended after the method's code need one, and all are known without
 * analysis. The method's locals there are {@code this} and the parameters, at their declared types
 * (javac never reuses a parameter's slot for another type), every other slot is dropped (TOP), and
 * the stack holds the return value (exit) or the Throwable (handlers). Nothing asks
 * {@code getCommonSuperClass}, which would load classes. Constructors get no catch-all (their
 * {@code this} may be uninitialised), only the exit block, where it is initialised.
 */
final class ExitHook extends MethodVisitor {

    /** What a hook reports; the structure around it is {@link ExitHook}'s. */
    interface Code {
        /** Whether failures are reported (a catch-all is added). */
        boolean reportsThrows();

        /** Whether normal returns are reported (the returns go through the exit block). */
        boolean reportsReturns();

        /** Reports the {@code Throwable} held in local {@code thrown}; leaves the stack empty. */
        void onThrow(MethodVisitor code, int thrown);

        /** With the return value (if any) on top: reports it and leaves the stack as it was. */
        void onReturn(MethodVisitor code, int returnOpcode);

        /** Operand-stack slots the inserted code needs beyond the method's own. */
        int extraStack();
    }

    private static final String THROWABLE = "java/lang/Throwable";

    private final Code code;
    private final Object[] entryLocals;
    private final int entrySlots;
    private final Type returnType;
    private final boolean catchesThrows;
    private final boolean reportsReturns;
    private final Label bodyStart = new Label();
    private final Label exit = new Label();
    /** The return instruction of this method (one return type, so one opcode), once one is seen. */
    private int returnOpcode = -1;

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
        this.reportsReturns = code.reportsReturns();
        this.entryLocals = entryLocals(owner, access, descriptor);
        this.entrySlots = parameterSlot(access, descriptor, Type.getArgumentTypes(descriptor).length);
        this.returnType = Type.getReturnType(descriptor);
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
        if (reportsReturns && opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
            returnOpcode = opcode;
            super.visitJumpInsn(Opcodes.GOTO, exit); // the value, if any, goes along on the stack
            return;
        }
        super.visitInsn(opcode);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        Label bodyEnd = new Label();
        super.visitLabel(bodyEnd);
        int extra = 0;
        if (catchesThrows) {
            writeCatchAll(maxLocals);
            extra = 1;
        }
        if (reportsReturns && returnOpcode >= 0) {
            writeExit(maxLocals);
            extra = Math.max(extra, returnType.getSize());
        }
        if (catchesThrows) {
            // Last in the table, after the method's own entries (visited earlier) and the guards.
            super.visitTryCatchBlock(bodyStart, bodyEnd, catchAll, null);
        }
        super.visitMaxs(maxStack + code.extraStack() + 2, maxLocals + extra);
    }

    private final Label catchAll = new Label();

    /** The failure path: report the Throwable (guarded), throw it again. */
    private void writeCatchAll(int maxLocals) {
        int thrown = maxLocals; // a new local, past every one the method has
        Label reportStart = new Label();
        Label reportEnd = new Label();
        Label reportFailed = new Label();
        Object[] throwableOnStack = {THROWABLE};

        // The original body ends with an unconditional jump, return or throw: nothing falls in here.
        super.visitLabel(catchAll);
        super.visitFrame(Opcodes.F_FULL, entryLocals.length, entryLocals, 1, throwableOnStack);
        super.visitVarInsn(Opcodes.ASTORE, thrown);
        super.visitLabel(reportStart);
        code.onThrow(mv, thrown);
        super.visitLabel(reportEnd);
        super.visitVarInsn(Opcodes.ALOAD, thrown);
        super.visitInsn(Opcodes.ATHROW);

        // The report failed: drop what it threw, throw the application's exception.
        super.visitLabel(reportFailed);
        Object[] withThrown = localsWith(maxLocals, THROWABLE);
        super.visitFrame(Opcodes.F_FULL, withThrown.length, withThrown, 1, throwableOnStack);
        super.visitInsn(Opcodes.POP);
        super.visitVarInsn(Opcodes.ALOAD, thrown);
        super.visitInsn(Opcodes.ATHROW);
        super.visitTryCatchBlock(reportStart, reportEnd, reportFailed, null);
    }

    /** The success path: every return jumps here with its value; report it (guarded), return it. */
    private void writeExit(int maxLocals) {
        boolean value = returnType.getSort() != Type.VOID;
        int saved = maxLocals; // a new local for the value, past every one the method has
        Label reportStart = new Label();
        Label reportEnd = new Label();
        Label reportFailed = new Label();

        super.visitLabel(exit);
        Object[] valueOnStack = value ? new Object[] {frameType(returnType)} : new Object[0];
        super.visitFrame(Opcodes.F_FULL, entryLocals.length, entryLocals, valueOnStack.length, valueOnStack);
        if (value) {
            super.visitVarInsn(returnType.getOpcode(Opcodes.ISTORE), saved);
        }
        super.visitLabel(reportStart);
        if (value) {
            super.visitVarInsn(returnType.getOpcode(Opcodes.ILOAD), saved);
        }
        code.onReturn(mv, returnOpcode);
        if (value) {
            super.visitInsn(returnType.getSize() == 2 ? Opcodes.POP2 : Opcodes.POP);
        }
        super.visitLabel(reportEnd);
        returnSaved(value, saved);

        // The report failed: drop what it threw, return the method's own result.
        super.visitLabel(reportFailed);
        Object[] withValue = value ? localsWith(maxLocals, frameType(returnType)) : entryLocals;
        super.visitFrame(Opcodes.F_FULL, withValue.length, withValue, 1, new Object[] {THROWABLE});
        super.visitInsn(Opcodes.POP);
        returnSaved(value, saved);
        super.visitTryCatchBlock(reportStart, reportEnd, reportFailed, null);
    }

    private void returnSaved(boolean value, int saved) {
        if (value) {
            super.visitVarInsn(returnType.getOpcode(Opcodes.ILOAD), saved);
        }
        super.visitInsn(returnOpcode);
    }

    /** The entry locals, {@code TOP} for every slot up to {@code slot}, then {@code type} there. */
    private Object[] localsWith(int slot, Object type) {
        Object[] locals = new Object[entryLocals.length + (slot - entrySlots) + 1];
        System.arraycopy(entryLocals, 0, locals, 0, entryLocals.length);
        for (int i = entryLocals.length; i < locals.length - 1; i++) {
            locals[i] = Opcodes.TOP;
        }
        locals[locals.length - 1] = type;
        return locals;
    }
}
