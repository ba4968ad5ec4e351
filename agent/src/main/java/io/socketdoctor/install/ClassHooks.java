package io.socketdoctor.install;

import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/** A class being hooked: remembers its internal name, which the hooks write into field accesses and frames. */
abstract class ClassHooks extends ClassVisitor {

    /** Internal name of the class, known once {@link #visit} has run (before any method). */
    protected String owner;

    ClassHooks(ClassVisitor writer) {
        super(Opcodes.ASM9, writer);
    }

    @Override
    public void visit(int version, int access, String name, String signature, String superName,
                      String[] interfaces) {
        owner = name;
        super.visit(version, access, name, signature, superName, interfaces);
    }
}
