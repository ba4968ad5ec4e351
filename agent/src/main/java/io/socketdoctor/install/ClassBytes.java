package io.socketdoctor.install;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.commons.ClassRemapper;
import net.bytebuddy.jar.asm.commons.SimpleRemapper;

/** Reads the agent's own class files and renames the types they refer to. */
final class ClassBytes {

    private ClassBytes() {
    }

    static byte[] of(Class<?> type) throws IOException {
        String resource = type.getName().replace('.', '/') + ".class";
        ClassLoader loader = type.getClassLoader();
        try (InputStream in = loader == null
                ? ClassLoader.getSystemResourceAsStream(resource)
                : loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("class file not found: " + resource);
            }
            return in.readAllBytes();
        }
    }

    /** The class file with every reference to a key of {@code internalNames} renamed to its value. */
    static byte[] rename(byte[] classFile, Map<String, String> internalNames) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassRemapper(writer, new SimpleRemapper(internalNames)), 0);
        return writer.toByteArray();
    }
}
