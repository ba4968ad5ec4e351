package io.socketdoctor.install;

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
     * name or inside a descriptor, turned into one to {@code to}. Plain byte arithmetic: on JDK 25
     * DataInputStream reads through VarHandles, whose set-up costs milliseconds before main.
     */
    static byte[] rename(byte[] classFile, String from, String to) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(classFile.length + 64);
        int at = 8;                                             // magic, minor, major
        int count = u2(classFile, at);
        at += 2;
        out.write(classFile, 0, at);
        String descriptorFrom = "L" + from + ";";
        String descriptorTo = "L" + to + ";";
        for (int i = 1; i < count; i++) {
            int tag = classFile[at] & 0xff;
            int start = at;
            switch (tag) {
                case UTF8 -> {
                    int length = u2(classFile, at + 1);
                    // Modified UTF-8 survives a Latin-1 round trip byte for byte.
                    String text = new String(classFile, at + 3, length, java.nio.charset.StandardCharsets.ISO_8859_1);
                    String renamed = text.equals(from) ? to : text.replace(descriptorFrom, descriptorTo);
                    byte[] bytes = renamed.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                    out.write(UTF8);
                    out.write(bytes.length >>> 8);
                    out.write(bytes.length & 0xff);
                    out.write(bytes, 0, bytes.length);
                    at += 3 + length;
                    continue;
                }
                case 3, 4, 9, 10, 11, 12, 17, 18 -> at += 5;        // Integer, Float, refs, NameAndType, (Invoke)Dynamic
                case 5, 6 -> {                                      // Long, Double: two entries
                    at += 9;
                    i++;
                }
                case 7, 8, 16, 19, 20 -> at += 3;                   // Class, String, MethodType, Module, Package
                case 15 -> at += 4;                                 // MethodHandle
                default -> throw new IOException("unknown constant-pool tag " + tag + " at entry " + i);
            }
            out.write(classFile, start, at - start);
        }
        out.write(classFile, at, classFile.length - at);        // access flags onwards: indices only
        return out.toByteArray();
    }

    private static int u2(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }
}
