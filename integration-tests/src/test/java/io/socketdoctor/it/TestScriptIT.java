package io.socketdoctor.it;

import static io.socketdoctor.it.AttachIT.assertExit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's test command on a machine without Prometheus (issue 14): run by a user who cannot
 * install it, {@code scripts/test.sh} names the package and the command in one line and exits 2
 * before Maven starts. The machine is made one without Prometheus by a PATH holding only what the
 * script needs (this JDK's java, mvn, ip and a few tools), and the user is {@code nobody}. (Run as
 * root, the script installs the package; that is what the CI's run of this very suite does.)
 */
class TestScriptIT {

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void withoutPrometheusItSaysWhatToInstallAndStopsBeforeMaven(Jvm jvm) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name"))
                && Files.isExecutable(Paths.get("/usr/bin/setpriv")), "runs the script as nobody: needs root and setpriv");
        Path script = Paths.get(System.getProperty("user.dir")).resolveSibling("scripts").resolve("test.sh")
                .toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(script), script.toString());
        Path bin = Jvm.workDir("test-script-jdk" + jvm.feature()); // emptied: only the links below
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        link(bin, "java", jvm.home().resolve("bin/java"));
        for (String tool : List.of("bash", "env", "dirname", "id", "sort", "tr", "sed", "head", "mvn", "ip")) {
            Path found = which(tool);
            Assumptions.assumeTrue(found != null, tool + " is not installed");
            link(bin, tool, found);
        }
        List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "/usr/bin/env", "-i", "PATH=" + bin, "HOME=/tmp", bin.resolve("bash").toString(),
                script.toString()));
        Jvm.Result run = AttachIT.exec(command);
        assertExit(2, run, "test.sh without prometheus, not root");
        assertEquals("", run.stdout(), run::describe);
        List<String> lines = run.stderrLines();
        assertEquals(1, lines.size(), run::describe);
        assertTrue(lines.get(0).contains("prometheus") && lines.get(0).contains("apt-get install"), run::describe);
        assertTrue(!lines.get(0).contains("maven") && !lines.get(0).contains("iproute2"), "only what is missing\n"
                + run.describe());
    }

    private static void link(Path bin, String name, Path target) throws Exception {
        Files.deleteIfExists(bin.resolve(name));
        Files.createSymbolicLink(bin.resolve(name), target);
    }

    private static Path which(String tool) {
        for (String dir : List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path candidate = Paths.get(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
