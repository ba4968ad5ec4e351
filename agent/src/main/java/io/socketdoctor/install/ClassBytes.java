package io.socketdoctor.install;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the agent's own class files, and renames a class without a bytecode library.
 *
 * <p>Renaming is a constant-pool edit: a class names itself and the types it uses only through
 * {@code CONSTANT_Utf8} entries (class names and descriptors), and everything else in the file
 * refers to constants by index, never by byte offset. So the entries that spell the old name are
 * rewritten and the rest of the file is copied as it is. This runs before {@code main}, where
 * loading and running a bytecode library cold would cost tens of milliseconds.
 */
final class ClassBytes {

    private static final int UTF8 = 1;

    private ClassBytes() {
    }

    /**
     * The class file of one of the agent's classes: from the agent jar itself when the class came
     * from one (a resource look-up first asks the JDK's own module image, which costs a few ms
     * before main), else as a resource (the tests' class directories).
     */
    static byte[] of(Class<?> type) throws IOException {
        String entry = type.getName().replace('.', '/') + ".class";
        java.security.CodeSource source = type.getProtectionDomain().getCodeSource();
        java.net.URL location = source == null ? null : source.getLocation();
        if (location != null && "file".equals(location.getProtocol()) && location.getPath().endsWith(".jar")) {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(new java.io.File(location.getPath()), false)) {
                java.util.zip.ZipEntry found = jar.getEntry(entry);
                if (found != null) {
                    try (InputStream in = jar.getInputStream(found)) {
                        return in.readAllBytes();
                    }
                }
            }
        }
        String resource = type.getSimpleName() + ".class";
        try (InputStream in = type.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("class file not found: " + type.getName());
            }
            return in.readAllBytes();
        }
    }

    /**
     * The class file with every reference to the class {@code from} (internal name), as a class
     * name or inside a descriptor, turned into one to {@code to}.
     */
    static byte[] rename(byte[] classFile, String from, String to) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classFile));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(classFile.length + 64);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(in.readInt());         // magic
        out.writeInt(in.readInt());         // minor, major
        int count = in.readUnsignedShort();
        out.writeShort(count);
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            out.writeByte(tag);
            switch (tag) {
                case UTF8 -> {
                    String text = in.readUTF();
                    out.writeUTF(text.equals(from) ? to : text.replace("L" + from + ";", "L" + to + ";"));
                }
                case 3, 4 -> out.writeInt(in.readInt());                          // Integer, Float
                case 5, 6 -> {                                                    // Long, Double: two slots
                    out.writeLong(in.readLong());
                    i++;
                }
                case 7, 8, 16, 19, 20 -> out.writeShort(in.readUnsignedShort()); // Class, String, MethodType, Module, Package
                case 15 -> {                                                      // MethodHandle
                    out.writeByte(in.readUnsignedByte());
                    out.writeShort(in.readUnsignedShort());
                }
                case 9, 10, 11, 12, 17, 18 -> out.writeInt(in.readInt());        // refs, NameAndType, (Invoke)Dynamic
                default -> throw new IOException("unknown constant-pool tag " + tag + " at entry " + i);
            }
        }
        in.transferTo(out);                 // access flags onwards: indices only
        out.flush();
        return bytes.toByteArray();
    }
}
