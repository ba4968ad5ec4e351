package io.socketdoctor.agent;

import io.socketdoctor.cli.PresenceMarks;
import io.socketdoctor.config.AgentVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * The agent's side of its {@link PresenceMarks}: publishes the session property, the status
 * property (kept fresh from the tracker's thread) and the marker file once a session runs, and
 * withdraws all three when it stops.
 */
final class Presence implements AutoCloseable {

    /**
     * How often at least {@link PresenceMarks#STATUS_PROPERTY} is refreshed on the tracker's thread
     * (within 100 ms of a new event otherwise).
     */
    private static final long REFRESH_NANOS = 1_000_000_000L;

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
    static void announce(Session session, String via) {
        try {
            Instant since = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            String value = PresenceMarks.describe(AgentVersion.of(), via, since, session.config().toString());
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
            System.setProperty(PresenceMarks.PROPERTY, value);
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
     * Publishes the status ({@link PresenceMarks#STATUS_PROPERTY}) when an event was written or dropped since the
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
            String status = PresenceMarks.AS_OF + Instant.now() + "\n" + StatusReport.body(session);
            synchronized (statusLock) {
                if (!closed) {
                    System.setProperty(PresenceMarks.STATUS_PROPERTY, status);
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
            System.clearProperty(PresenceMarks.STATUS_PROPERTY);
        }
        if (value.equals(System.getProperty(PresenceMarks.PROPERTY))) {
            System.clearProperty(PresenceMarks.PROPERTY);
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
        return "presence marks (" + PresenceMarks.PROPERTY + (marker == null ? "" : ", " + marker) + ")";
    }

    // ---- the marker file ----

    private static Path writeMarker(String value) {
        ProcessHandle self = ProcessHandle.current();
        Path dir = PresenceMarks.markerDirectory();
        Path marker = dir.resolve(PresenceMarks.MARKER_PREFIX + self.pid());
        Path temp = null;
        try {
            // A fresh file (O_EXCL, mode 0600 whatever the umask: only the JVM's user and root read
            // it, as with the events file) renamed over the name: never follows a planted link.
            // A name of our own rather than Files.createTempFile, whose SecureRandom costs tens of ms of
            // CPU to seed; CREATE_NEW is the same O_EXCL.
            temp = dir.resolve(PresenceMarks.MARKER_PREFIX + self.pid() + "." + System.nanoTime() + ".tmp");
            try (java.nio.channels.SeekableByteChannel out = Files.newByteChannel(temp,
                    java.util.EnumSet.of(java.nio.file.StandardOpenOption.CREATE_NEW,
                            java.nio.file.StandardOpenOption.WRITE),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
                String text = PresenceMarks.markerText(self.pid(), self.info().startInstant(), value);
                out.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
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
