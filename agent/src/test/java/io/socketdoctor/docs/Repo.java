package io.socketdoctor.docs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The checkout the tests run in, for tests that read its documentation. Maven runs a module's
 * tests with the module directory as the working directory, an IDE may use the checkout's root:
 * so this walks up from there to the first directory that holds both README.md and agent/.
 */
public final class Repo {

    private Repo() {
    }

    public static Path root() {
        Path start = Paths.get(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("agent"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no README.md with an agent/ directory beside it above " + start);
    }
}
