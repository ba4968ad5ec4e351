package io.socketdoctor.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a running agent makes itself known to the CLI, as both sides must read it. Two marks, both
 * gone after detach:
 * <ul>
 *   <li>the system property {@value #PROPERTY} ({@code version=...;via=attach;since=...;options=...}):
 *       the authoritative one. The CLI reads it over the attach connection
 *       ({@code VirtualMachine.getSystemProperties()}), which loads nothing into the JVM, so
 *       {@code status} and {@code detach} of a JVM without the agent leave no trace, and a second
 *       {@code attach} needs no agent load;</li>
 *   <li>a marker file {@code /tmp/.socket-doctor-<pid>} with the same text, so that {@code list}
 *       can tell without attaching to any JVM. It is written atomically, removed on detach and at
 *       exit, and the CLI ignores one whose process start time or owner does not match (left by a
 *       JVM that was killed, its pid reused).</li>
 * </ul>
 * The agent's side that publishes them is {@code io.socketdoctor.agent.Presence}.
 */
public final class PresenceMarks {

    public static final String PROPERTY = "io.socketdoctor.session";
    /**
     * The status report (all but its first line) with the time it was made on a line of its own
     * before it ({@code as-of=<instant>}): what {@code socket-doctor status} prints, read over the
     * attach connection like {@link #PROPERTY}, so that a status loads nothing into the JVM (on Java
     * 21+ every agent load prints four WARNING lines into the service's log).
     */
    public static final String STATUS_PROPERTY = "io.socketdoctor.status";
    public static final String AS_OF = "as-of=";
    public static final String VIA_JAVAAGENT = "javaagent";
    public static final String VIA_ATTACH = "attach";
    public static final String MARKER_PREFIX = ".socket-doctor-";

    private PresenceMarks() {
    }

    public static String describe(String version, String via, Instant since, String options) {
        return "version=" + version + ";via=" + via + ";since=" + since + ";options=" + options;
    }

    /** The fields of a {@link #PROPERTY} value ({@code options} last: it may hold any character). */
    public static Map<String, String> fields(String value) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (value == null) {
            return fields;
        }
        int options = value.indexOf(";options=");
        String head = options < 0 ? value : value.substring(0, options);
        for (String part : head.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        if (options >= 0) {
            fields.put("options", value.substring(options + ";options=".length()));
        }
        return fields;
    }

    // ---- the marker file ----

    /** Where JVMs leave marker files: /tmp on Linux (where HotSpot puts its attach socket too). */
    public static Path markerDirectory() {
        return isLinux() ? Paths.get("/tmp") : Paths.get(System.getProperty("java.io.tmpdir"));
    }

    public static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }

    public static String markerText(long pid, Optional<Instant> start, String value) {
        return "pid=" + pid + "\nstart=" + start.map(i -> Long.toString(i.toEpochMilli())).orElse("") + "\n"
                + "session=" + value + "\n";
    }

    /**
     * The session value in the marker file of {@code pid}, or null when there is none or it was not
     * left by this very process (another start time, another owner).
     *
     * @param markerFile the marker as this process sees it
     * @param owner      the process's owner (uid), or null if unknown
     */
    static String readMarker(long pid, Path markerFile, Optional<Instant> processStart, Object owner) {
        try {
            if (!Files.isRegularFile(markerFile, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            if (owner != null && !owner.equals(Files.getAttribute(markerFile, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
                return null;
            }
            Map<String, String> lines = new LinkedHashMap<>();
            for (String line : Files.readAllLines(markerFile, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    lines.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            String start = lines.getOrDefault("start", "");
            if (processStart.isPresent() && !start.isEmpty()
                    && Math.abs(Long.parseLong(start) - processStart.get().toEpochMilli()) > 1000) {
                return null; // a marker of an earlier process with the same pid
            }
            return lines.get("session");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Housekeeping for {@code list}: removes the markers of processes that no longer exist (a JVM
     * killed with SIGKILL runs no shutdown hook), where this user may (its own files, or root).
     * Bounded: one listing of the marker directory, at most 1000 markers looked at.
     */
    static int removeStaleMarkers(Integer myUid) {
        int removed = 0;
        try (DirectoryStream<Path> markers = Files.newDirectoryStream(markerDirectory(), MARKER_PREFIX + "*")) {
            int seen = 0;
            for (Path marker : markers) {
                if (++seen > 1000) {
                    break;
                }
                String name = marker.getFileName().toString();
                long pid;
                try {
                    pid = Long.parseLong(name.substring(MARKER_PREFIX.length()));
                } catch (NumberFormatException temporaryFile) {
                    continue; // .socket-doctor-123.tmp and the like: being written right now
                }
                if (ProcessHandle.of(pid).isPresent()) {
                    continue;
                }
                Object owner = Files.getAttribute(marker, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                if (myUid != null && (myUid == 0 || myUid.equals(owner))) {
                    removed += Files.deleteIfExists(marker) ? 1 : 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // housekeeping only
        }
        return removed;
    }
}
