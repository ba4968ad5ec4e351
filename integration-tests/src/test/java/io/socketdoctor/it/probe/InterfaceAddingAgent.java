package io.socketdoctor.it.probe;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;

/**
 * A stand-in for agents such as OpenTelemetry's that change a class's shape as it loads: adds the
 * marker interface {@code java.lang.Cloneable} to the classes named in its argument (comma-separated)
 * when they load, and not when they are retransformed, so the JVM refuses any retransformation of
 * them ("attempted to change superclass or interfaces"). It loads them itself in {@code premain},
 * so an agent after it finds them loaded, and must retransform them. Also loads {@code java.net.Socket}
 * untouched, so the other agent's batch holds a class that can be retransformed too.
 */
public final class InterfaceAddingAgent implements ClassFileTransformer {

    private final String[] targets;

    private InterfaceAddingAgent(String[] targets) {
        this.targets = targets;
    }

    public static void premain(String arguments, Instrumentation inst) throws Exception {
        String[] names = arguments.split(",");
        String[] internal = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            internal[i] = names[i].replace('.', '/');
        }
        inst.addTransformer(new InterfaceAddingAgent(internal), true);
        for (String name : names) {
            Class.forName(name, false, null);
        }
        Class.forName("java.net.Socket", false, null);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] classFile) {
        if (redefined != null) {
            return null; // at retransformation the interface is not added again, as OpenTelemetry's agent does
        }
        for (String target : targets) {
            if (target.equals(className)) {
                try {
                    return withInterface(classFile, "java/lang/Cloneable");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return null;
    }

    /** The class file with one more interface: two constant-pool entries appended, one interface index added. */
    static byte[] withInterface(byte[] classFile, String interfaceName) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classFile));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(in.readInt());
        out.writeInt(in.readInt());
        int count = in.readUnsignedShort();
        out.writeShort(count + 2);
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            out.writeByte(tag);
            switch (tag) {
                case 1 -> out.writeUTF(in.readUTF());
                case 3, 4, 9, 10, 11, 12, 17, 18 -> out.writeInt(in.readInt());
                case 5, 6 -> {
                    out.writeLong(in.readLong());
                    i++;
                }
                case 7, 8, 16, 19, 20 -> out.writeShort(in.readUnsignedShort());
                case 15 -> {
                    out.writeByte(in.readUnsignedByte());
                    out.writeShort(in.readUnsignedShort());
                }
                default -> throw new IOException("constant-pool tag " + tag);
            }
        }
        out.writeByte(1);
        out.writeUTF(interfaceName);    // entry count
        out.writeByte(7);
        out.writeShort(count);          // entry count + 1: the class, naming the text above
        out.writeShort(in.readUnsignedShort()); // access flags
        out.writeShort(in.readUnsignedShort()); // this
        out.writeShort(in.readUnsignedShort()); // super
        int interfaces = in.readUnsignedShort();
        out.writeShort(interfaces + 1);
        for (int i = 0; i < interfaces; i++) {
            out.writeShort(in.readUnsignedShort());
        }
        out.writeShort(count + 1);
        in.transferTo(out);
        return bytes.toByteArray();
    }
}
