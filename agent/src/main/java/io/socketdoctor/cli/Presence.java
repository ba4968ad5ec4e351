package io.socketdoctor.cli;

import io.socketdoctor.agent.Session;
import io.socketdoctor.agent.SocketDoctorAgent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a running agent makes itself known to the CLI. Two marks, both gone after detach:
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
 */
public final class Presence implements AutoCloseable {

    public static final String PROPERTY = "io.socketdoctor.session";
    /**
     * The status report (all but its first line) with the time it was made on a line of its own
     * before it ({@code as-of=<instant>}): what {@code socket-doctor status} prints, read over the
     * attach connection like {@link #PROPERTY}, so that a status loads nothing into the JVM (on Java
     * 21+ every agent load prints four WARNING lines into the service's log). Refreshed on the
     * tracker's thread: within 100 ms of a new event, at least once a second otherwise.
     */
    public static final String STATUS_PROPERTY = "io.socketdoctor.status";
    static final String AS_OF = "as-of=";
    private static final long REFRESH_NANOS = 1_000_000_000L;
    public static final String VIA_JAVAAGENT = "javaagent";
    public static final String VIA_ATTACH = "attach";
    static final String MARKER_PREFIX = ".socket-doctor-";

    private static volatile Presence current;

    private final String value;
    private final Instant since;
    private final String via;
    private final Path marker;
    private final Thread markerHook;
    private final Session session;
    /** Guards the status property against a refresh racing with {@link #close}. */
    private final Object statusLock = new Object();
    /** {@link #refreshStatus} for the tracker's tick: a class, not a method reference (one instance to remove). */
    private final Runnable statusRefresher = new StatusRefresher();

    private final class StatusRefresher implements Runnable {
        @Override
        public void run() {
            refreshStatus();
        }
    }
    private boolean closed;
    /** Events written or dropped at the last refresh, and when it was (System.nanoTime); tracker thread only. */
    private long eventsAtRefresh = -1;
    private long refreshedAt;

    private Presence(String value, Instant since, String via, Path marker, Thread markerHook, Session session) {
        this.value = value;
        this.since = since;
        this.via = via;
        this.marker = marker;
        this.markerHook = markerHook;
        this.session = session;
    }

    /** Called once a session runs; its stop withdraws both marks. Never throws. */
    public static void announce(Session session, String via) {
        try {
            Instant since = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            String value = describe(version(), via, since, session.config().toString());
            Path marker = writeMarker(value);
            Thread hook = null;
            if (marker != null) {
                hook = new Thread(new MarkerRemover(marker), "socket-doctor-marker");
                Runtime.getRuntime().addShutdownHook(hook);
            }
            Presence presence = new Presence(value, since, via, marker, hook, session);
            current = presence;
            session.onStop(presence);
            presence.refreshStatus();
            session.diagnostics().tracker().onTick(presence.statusRefresher);
            // Last: whoever sees the property finds the agent done with its start.
            System.setProperty(PROPERTY, value);
        } catch (Throwable t) {
            // Only `list` and `status` lose; the agent itself runs on.
        }
    }

    /** The running session's presence, or null. */
    static Presence current() {
        return current;
    }

    Instant since() {
        return since;
    }

    String via() {
        return via;
    }

    /**
     * Publishes the status ({@link #STATUS_PROPERTY}) when an event was written or dropped since the
     * last time, or a second has passed (the connection counts move without events); else returns
     * at once. Never throws.
     */
    void refreshStatus() {
        try {
            long events = session.sink().written() + session.sink().dropped();
            long now = System.nanoTime();
            if (events == eventsAtRefresh && now - refreshedAt < REFRESH_NANOS) {
                return;
            }
            eventsAtRefresh = events;
            refreshedAt = now;
            String status = AS_OF + Instant.now() + "\n" + AgentCommand.body(session);
            synchronized (statusLock) {
                if (!closed) {
                    System.setProperty(STATUS_PROPERTY, status);
                }
            }
        } catch (Throwable t) {
            // `status` shows less; the agent runs on
        }
    }

    @Override
    public void close() throws IOException {
        if (current == this) {
            current = null;
        }
        try {
            session.diagnostics().tracker().removeOnTick(statusRefresher);
        } catch (RuntimeException e) {
            // the tracker is being stopped anyway
        }
        synchronized (statusLock) {
            closed = true;
            System.clearProperty(STATUS_PROPERTY);
        }
        if (value.equals(System.getProperty(PROPERTY))) {
            System.clearProperty(PROPERTY);
        }
        if (markerHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(markerHook);
            } catch (IllegalStateException exiting) {
                // the hook removes the marker
            }
        }
        if (marker != null) {
            Files.deleteIfExists(marker);
        }
    }

    @Override
    public String toString() {
        return "presence marks (" + PROPERTY + (marker == null ? "" : ", " + marker) + ")";
    }

    static String describe(String version, String via, Instant since, String options) {
        return "version=" + version + ";via=" + via + ";since=" + since + ";options=" + options;
    }

    /** The fields of a {@link #PROPERTY} value ({@code options} last: it may hold any character). */
    static Map<String, String> fields(String value) {
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

    /** The agent jar's version (its manifest), or {@code dev} when run from classes. */
    static String version() {
        String v = SocketDoctorAgent.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    // ---- the marker file ----

    /** Where JVMs leave marker files: /tmp on Linux (where HotSpot puts its attach socket too). */
    static Path markerDirectory() {
        return isLinux() ? Paths.get("/tmp") : Paths.get(System.getProperty("java.io.tmpdir"));
    }

    static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }

    private static Path writeMarker(String value) {
        ProcessHandle self = ProcessHandle.current();
        Path dir = markerDirectory();
        Path marker = dir.resolve(MARKER_PREFIX + self.pid());
        Path temp = null;
        try {
            // A fresh file (O_EXCL, mode 0600 whatever the umask: only the JVM's user and root read
            // it, as with the events file) renamed over the name: never follows a planted link.
            // A name of our own rather than Files.createTempFile, whose SecureRandom costs tens of ms of
            // CPU to seed; CREATE_NEW is the same O_EXCL.
            temp = dir.resolve(MARKER_PREFIX + self.pid() + "." + System.nanoTime() + ".tmp");
            try (java.nio.channels.SeekableByteChannel out = Files.newByteChannel(temp,
                    java.util.EnumSet.of(java.nio.file.StandardOpenOption.CREATE_NEW,
                            java.nio.file.StandardOpenOption.WRITE),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
                out.write(java.nio.ByteBuffer.wrap(markerText(self.pid(), self.info().startInstant(), value)
                        .getBytes(StandardCharsets.UTF_8)));
            }
            Files.move(temp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return marker;
        } catch (IOException | RuntimeException e) {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            return null;
        }
    }

    static String markerText(long pid, Optional<Instant> start, String value) {
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
            if (!Files.isRegularFile(markerFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            if (owner != null && !owner.equals(Files.getAttribute(markerFile, "unix:uid",
                    java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
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
        try (java.nio.file.DirectoryStream<Path> markers =
                     Files.newDirectoryStream(markerDirectory(), MARKER_PREFIX + "*")) {
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
                Object owner = Files.getAttribute(marker, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (myUid != null && (myUid == 0 || myUid.equals(owner))) {
                    removed += Files.deleteIfExists(marker) ? 1 : 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // housekeeping only
        }
        return removed;
    }

    private static final class MarkerRemover implements Runnable {
        private final Path marker;

        MarkerRemover(Path marker) {
            this.marker = marker;
        }

        @Override
        public void run() {
            try {
                Files.deleteIfExists(marker);
            } catch (IOException ignored) {
                // at exit: nothing more to do
            }
        }
    }
}
