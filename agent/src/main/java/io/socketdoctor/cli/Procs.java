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
 * programs), its command line. Where a fact cannot be read these answer "unknown" (null), and
 * {@link Target#open} then sends nothing: it goes on only with positive evidence.
 */
final class Procs {

    private Procs() {
    }

    static boolean linux() {
        return PresenceMarks.isLinux();
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

    /**
     * The process's effective uid as this process sees it ({@code Uid:} line of
     * {@code /proc/<pid>/status}, second field), or null where unknown. In a user namespace an
     * unmapped uid shows as the overflow uid (65534): see {@link #uidMapped}.
     */
    static Integer effectiveUid(long pid) {
        return effectiveUidOf(Paths.get("/proc", Long.toString(pid), "status"));
    }

    static Integer myEffectiveUid() {
        return effectiveUidOf(Paths.get("/proc/self/status"));
    }

    static Integer effectiveUidOf(Path status) {
        if (!linux()) {
            return null;
        }
        try (BufferedReader reader = Files.newBufferedReader(status, StandardCharsets.ISO_8859_1)) {
            String line;
            int lines = 0;
            while ((line = reader.readLine()) != null && lines++ < 200) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length >= 2 ? Integer.valueOf(ids[1]) : null;
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether {@code uid}, as this process sees it, is a real uid here: true outside user
     * namespaces; inside one, only if this namespace's {@code uid_map} maps it (an unmapped owner
     * shows as the overflow uid, 65534, which would look like "nobody", or like this process
     * itself in a namespace without a map). False when the map cannot be read.
     */
    static boolean uidMapped(int uid) {
        return uidMapped(uid, Paths.get("/proc/self/uid_map"));
    }

    static boolean uidMapped(int uid, Path uidMap) {
        if (!linux()) {
            return false;
        }
        if (!Files.exists(uidMap)) {
            return true; // a kernel without user namespaces: every uid is what it says
        }
        try (BufferedReader reader = Files.newBufferedReader(uidMap, StandardCharsets.ISO_8859_1)) {
            String line;
            int lines = 0;
            while ((line = reader.readLine()) != null && lines++ < 400) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3) {
                    long inside = Long.parseLong(f[0]);
                    long count = Long.parseLong(f[2]);
                    if (uid >= inside && uid - inside < count) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The {@code hsperfdata} file of {@code pid} (HotSpot's performance data, what {@code jps}
     * lists), when it is positive evidence that this very process is a HotSpot JVM: a regular
     * file (not a link) {@code hsperfdata_<user>/<pid in its namespace>} in the process's /tmp,
     * owned by {@code owner}, and changed no earlier than the process started (a file left by a
     * JVM killed with SIGKILL whose pid a new process got is older than that process). Null
     * when there is none. Bounded: at most 1000 directory entries looked at.
     */
    static Path hsperfdata(long pid, int owner) {
        if (!linux()) {
            return null;
        }
        Optional<java.time.Instant> start = start(pid);
        if (start.isEmpty()) {
            return null;
        }
        String name = Long.toString(namespacePid(pid));
        try (java.nio.file.DirectoryStream<Path> dirs = Files.newDirectoryStream(tmpOf(pid), "hsperfdata_*")) {
            int seen = 0;
            for (Path dir : dirs) {
                if (++seen > 1000) {
                    break;
                }
                Path file = dir.resolve(name);
                try {
                    java.util.Map<String, Object> a = Files.readAttributes(file, "unix:uid,ctime,isRegularFile",
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    long changed = ((java.nio.file.attribute.FileTime) a.get("ctime")).toMillis();
                    if (Boolean.TRUE.equals(a.get("isRegularFile")) && Integer.valueOf(owner).equals(a.get("uid"))
                            && changed >= start.get().toEpochMilli() - START_SLACK_MILLIS) {
                        return file;
                    }
                } catch (IOException | RuntimeException notThere) {
                    // not in this user's directory
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** How far the process start time the JDK computes (from boot time in whole seconds) may be off. */
    private static final long START_SLACK_MILLIS = 1000;

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

    /** The marker file a running agent in {@code pid} leaves (see {@link PresenceMarks}), as this process sees it. */
    static Path markerOf(long pid) {
        if (!linux()) {
            return PresenceMarks.markerDirectory().resolve(PresenceMarks.MARKER_PREFIX + pid);
        }
        return tmpOf(pid).resolve(PresenceMarks.MARKER_PREFIX + namespacePid(pid));
    }
}
