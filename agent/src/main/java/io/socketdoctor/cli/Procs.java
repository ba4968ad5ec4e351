package io.socketdoctor.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * What the CLI learns about a process from Linux's {@code /proc} before it sends anything to it:
 * owner, whether it is a JVM at all (an attach sends SIGQUIT, which would kill most other
 * programs), its command line. Elsewhere these answer "unknown" (null) and the attach API's own
 * errors decide.
 */
final class Procs {

    private Procs() {
    }

    static boolean linux() {
        return Presence.isLinux();
    }

    static boolean exists(long pid) {
        return ProcessHandle.of(pid).isPresent();
    }

    static Optional<java.time.Instant> start(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant());
    }

    /** The uid owning the process, or null where unknown. */
    static Integer uid(long pid) {
        return uidOf(Paths.get("/proc", Long.toString(pid)));
    }

    static Integer myUid() {
        return uidOf(Paths.get("/proc/self"));
    }

    private static Integer uidOf(Path proc) {
        if (!linux()) {
            return null;
        }
        try {
            return (Integer) Files.getAttribute(proc, "unix:uid");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The user name owning the process, or "?" */
    static String user(long pid) {
        try {
            return Files.getOwner(Paths.get("/proc", Long.toString(pid))).getName();
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).flatMap(p -> p.info().user()).orElse("?");
        }
    }

    static String myUser() {
        return ProcessHandle.current().info().user().orElse(System.getProperty("user.name", "?"));
    }

    /** TRUE if libjvm is mapped into the process, FALSE if it is not, null if that cannot be read. */
    static Boolean mapsLibjvm(long pid) {
        if (!linux()) {
            return null;
        }
        Path maps = Paths.get("/proc", Long.toString(pid), "maps");
        try (BufferedReader reader = Files.newBufferedReader(maps, StandardCharsets.ISO_8859_1)) {
            String line;
            int lines = 0;
            while ((line = reader.readLine()) != null && lines++ < 100_000) {
                if (line.endsWith("/libjvm.so") || line.contains("/libjvm.so ")) {
                    return Boolean.TRUE;
                }
            }
            return Boolean.FALSE;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The command line, arguments separated by spaces, and JAVA_TOOL_OPTIONS where readable; or "". */
    static String commandLine(long pid) {
        if (!linux()) {
            return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("");
        }
        StringBuilder out = new StringBuilder();
        Path dir = Paths.get("/proc", Long.toString(pid));
        try {
            out.append(new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException | RuntimeException e) {
            // not readable: unknown
        }
        try {
            for (String variable : new String(Files.readAllBytes(dir.resolve("environ")), StandardCharsets.UTF_8)
                    .split("\0")) {
                if (variable.startsWith("JAVA_TOOL_OPTIONS=") || variable.startsWith("JDK_JAVA_OPTIONS=")) {
                    out.append(' ').append(variable.substring(variable.indexOf('=') + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not readable: unknown
        }
        return out.toString().strip();
    }

    /** The pid inside the process's own pid namespace (a container), or {@code pid} itself. */
    static long namespacePid(long pid) {
        if (!linux()) {
            return pid;
        }
        try {
            for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring("NSpid:".length()).trim().split("\\s+");
                    return Long.parseLong(ids[ids.length - 1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // older kernels: no NSpid line
        }
        return pid;
    }

    /**
     * The process's /tmp as this process can reach it: {@code /proc/<pid>/root/tmp} (the same
     * directory as /tmp unless the JVM runs in a container), else /tmp.
     */
    static Path tmpOf(long pid) {
        if (!linux()) {
            return Paths.get(System.getProperty("java.io.tmpdir"));
        }
        Path inRoot = Paths.get("/proc", Long.toString(pid), "root", "tmp");
        return Files.isDirectory(inRoot) ? inRoot : Paths.get("/tmp");
    }

    /** The marker file a running agent in {@code pid} leaves (see {@link Presence}), as this process sees it. */
    static Path markerOf(long pid) {
        if (!linux()) {
            return Presence.markerDirectory().resolve(Presence.MARKER_PREFIX + pid);
        }
        return tmpOf(pid).resolve(Presence.MARKER_PREFIX + namespacePid(pid));
    }
}
