package io.socketdoctor.event;

import io.socketdoctor.config.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes events from the application's threads without ever blocking them, and writes them on
 * one daemon thread: the rate-limited log line and the JSON line. A full queue drops the event
 * and counts it; a write that fails is reported once and that output is switched off.
 */
public final class EventSink implements EventReceiver, AutoCloseable {

    private static final int CAPACITY = 4096;
    private static final long POLL_MILLIS = 200;
    /** Type of the event that wakes the idle writer to stop (never written): a JVM exits without waiting a poll. */
    private static final String WAKE = "socket-doctor-wake";
    /**
     * After writing, the writer rests this long before it waits again: failures that come in a
     * burst then queue without waking it one by one (a wake-up per event cost the failing threads
     * and the writer more than the writing itself), and an event still goes out within 10 ms.
     */
    private static final long BATCH_MILLIS = 10;
    /**
     * How long what is left may still be written once the writer stopped (see {@link #drain}):
     * half a second on detach, a second at JVM exit, where the last failures may be the ones that
     * explain the exit. Bounded both ways: neither may hold up the application for long.
     */
    private static final long DETACH_DRAIN_MILLIS = 500;
    private static final long EXIT_DRAIN_MILLIS = 1000;

    private final Config config;
    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(CAPACITY);
    /**
     * Events taken from the queue and held for the decorator, in order: once one is held, the
     * ones after it wait behind it, so the outputs keep the order of the failures. Writer thread only.
     */
    private final java.util.ArrayDeque<Event> held = new java.util.ArrayDeque<>();
    private final RateLimiter limiter;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Thread writer;
    private OutputStream json;
    /** Bytes in the current events file, and the size past which it is rotated (events.max). */
    private long jsonBytes;
    private final long jsonMax;
    private System.Logger logger;
    private volatile boolean running = true;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** Sees every event on the writer thread, before the log's rate limit (e.g. to count it for metrics). */
    public interface Listener {
        void onEvent(Event event);

        /** After the last event, at JVM exit or detach (on the thread that stops the sink). */
        default void onStop() {
        }
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Completes an event on the writer thread before it is written (e.g. with the kernel's TCP state). */
    public interface Decorator {
        Event decorate(Event event);

        /**
         * How long from now (ns) this event had better wait to be completed in full (say, until
         * the next read of /proc its budget allows); 0 to write it now. Never longer than
         * {@link #MAX_HOLD_NANOS} after the event: then it is written as it is.
         */
        default long holdNanos(Event event) {
            return 0;
        }

        /** The writer is about to write the held events without waiting (JVM exit, detach). */
        default void lastChance() {
        }

        /** A line to log once, at most (e.g. why the decoration is off), or null; asked on the writer thread. */
        default String notice() {
            return null;
        }
    }

    /** The longest an event is held back for its decorator, counted from the failure. */
    public static final long MAX_HOLD_NANOS = 1_000_000_000L;

    private volatile Decorator decorator = AsIs.INSTANCE;

    /** No decoration. A class, not a lambda: each lambda spins a class at start-up. */
    private static final class AsIs implements Decorator {
        static final AsIs INSTANCE = new AsIs();

        @Override
        public Event decorate(Event event) {
            return event;
        }
    }

    public void setDecorator(Decorator decorator) {
        this.decorator = decorator;
    }

    private Runnable agentThreadMarker;
    private final RateLimiter.SummarySink summaries;

    /**
     * Every event counted once, for the status and the metrics alike: the first listener, from the
     * first event on. With a {@code peer} tag only where metrics are served ({@code metrics.peers}).
     */
    private final ErrorCounts counts;

    public ErrorCounts counts() {
        return counts;
    }

    /**
     * Which process the events come from, with its JSON fields escaped once: worked out on first
     * use, by the warm-up (100 ms in) or the writer thread, so that a JVM's start does not read
     * /proc for it. One field, so the two can never disagree.
     */
    private record Named(Identity identity, String json) {
    }

    private volatile Named named;
    /** Not the sink's own monitor: stop() holds that while it waits for the writer. */
    private final Object namedLock = new Object();

    public Identity identity() {
        return named().identity();
    }

    private String identityJson() {
        return named().json();
    }

    private Named named() {
        Named known = named;
        if (known == null) {
            synchronized (namedLock) {
                if (named == null) {
                    Identity made = Identity.of(config);
                    named = new Named(made, JsonLine.identityFields(made));
                }
                known = named;
            }
        }
        return known;
    }

    /** log.to=stdout: read once here, so the first real event loads nothing of the options. */
    private final boolean toStdout;

    private EventSink(Config config) throws IOException {
        this.config = config;
        this.toStdout = config.logTo() == Config.LogTo.STDOUT;
        this.counts = new ErrorCounts(config.prometheus() == null ? 0 : config.metricsPeers());
        listeners.add(counts);
        this.limiter = new RateLimiter(config.logRate());
        if (config.events() != null) {
            json = openJson(config);
            jsonBytes = Files.size(config.events());
        }
        // Only a regular file is rotated: never rename /dev/null, a FIFO or a terminal.
        jsonMax = config.events() != null && Files.isRegularFile(config.events())
                ? config.eventsMaxBytes() : Long.MAX_VALUE;
        summaries = new Summaries();
        writer = new Thread(new Writer(), "socket-doctor-events");
        writer.setDaemon(true);
    }

    /** Opens the outputs (a bad event path fails here, before anything runs). */
    public static EventSink open(Config config) throws IOException {
        return new EventSink(config);
    }

    /**
     * Starts the writer thread.
     *
     * @param agentThreadMarker run first on the agent's threads, so that their own I/O (a
     *                          System.Logger appender that writes to a socket) is never diagnosed
     */
    public void start(Runnable agentThreadMarker) {
        this.agentThreadMarker = agentThreadMarker;
        writer.start();
        shutdownHook = new Thread(new FlushAtExit(), "socket-doctor-flush");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private Thread shutdownHook;
    private boolean stopped;

    /**
     * Detach: stops the writer thread, writes what is still queued (bounded in time), flushes and
     * closes the JSON file, and removes the shutdown hook, so nothing of the sink stays behind.
     * Called once the bridge no longer calls the agent; later offers are accepted and never written.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        stop();
    }

    public synchronized void stop() throws IOException, InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException exiting) {
                return; // the JVM is exiting: the hook writes and flushes
            }
        }
        running = false; // an interrupt could close the JSON channel mid-write: wake it instead
        wakeWriter();
        writer.join(4 * POLL_MILLIS);
        if (writer.isAlive()) {
            writer.interrupt();
            writer.join(2 * POLL_MILLIS);
        }
        if (!writer.isAlive()) {
            drain(DETACH_DRAIN_MILLIS);
        }
        stopListeners();
        queue.clear();
        held.clear();
        flushJson();
        OutputStream file = json;
        json = null;
        if (file != null) {
            file.close();
        }
        if (writer.isAlive()) {
            throw new IllegalStateException("the socket-doctor-events thread did not stop within "
                    + 6 * POLL_MILLIS + " ms");
        }
    }

    /**
     * Runs the writer's formatting once on the calling thread, without writing, so that the first
     * real event loads no class (at that moment the application may be handling its failure).
     */
    @Override
    public void warmUp(Event event) {
        String identityJson = identityJson();
        JsonLine.format(event, null, identityJson).getBytes(StandardCharsets.UTF_8);
        JsonLine.format(event, Level.of(event), identityJson);
        JsonLine.summary(event.ts(), event.rateKey(), 1, 1, identityJson);
        JsonLine.notice(event.ts(), "", identityJson);
        EventText.logLine(event);
        EventText.summary(event.rateKey(), 1, 1);
        JsonLine.time(java.time.Instant.ofEpochMilli(System.currentTimeMillis()));
        new RateLimiter(1).tryPass(event.rateKey(), 0);
        counts.warmUp(event);
        for (Listener listener : listeners) {
            listener.getClass(); // loads the list's iterator class now, not at the first real event
        }
        // Not the decorator: it runs on the writer thread only, and a warm-up read of /proc would spend
        // its read budget (20 x the read's CPU, class loading included) just before real failures come.
        try {
            // Loaded by the queue's lock on its first contention.
            Class.forName("java.util.concurrent.locks.AbstractQueuedSynchronizer$ExclusiveNode");
        } catch (ClassNotFoundException notOnThisJdk) {
            // older layouts of the lock have no such class
        }
    }

    /** Never blocks: a full queue drops the event. */
    @Override
    public void offer(Event event) {
        if (!queue.offer(event)) {
            dropped.incrementAndGet();
        }
    }

    public long dropped() {
        return dropped.get();
    }

    public long written() {
        return written.get();
    }

    // Classes, not method references: each of those spins a class while the JVM starts.
    private final class Writer implements Runnable {
        @Override
        public void run() {
            EventSink.this.run();
        }
    }

    private final class FlushAtExit implements Runnable {
        @Override
        public void run() {
            flushAtExit();
        }
    }

    private final class Summaries implements RateLimiter.SummarySink {
        @Override
        public void summary(String key, long held, long seconds) {
            writeSummary(key, held, seconds);
        }
    }

    /** Ends the writer's wait for the queue at once (it then sees {@code running} is false). */
    private void wakeWriter() {
        queue.offer(Event.of(WAKE).build());
    }

    private void run() {
        agentThreadMarker.run();
        // The identity is worked out by the warm-up (100 ms in, off main's start) or the first event.
        while (running) {
            try {
                if (held.isEmpty()) {
                    Event event = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (event != null && event.type() != WAKE) {
                        held.add(event);
                    }
                } else {
                    // Waiting for the head's decorator: rest rather than wake for every new event.
                    Thread.sleep(Math.max(1, Math.min(BATCH_MILLIS, holdOfHead() / 1_000_000L)));
                }
                if (!running) {
                    break; // stop() or the exit hook writes what is held and queued
                }
                queue.drainTo(held, CAPACITY);
                limiter.drainSummaries(System.currentTimeMillis(), false, summaries);
                boolean wrote = writeReady();
                tellNotice();
                if (wrote) {
                    flushJson();
                    Thread.sleep(BATCH_MILLIS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // Never let an output problem kill the writer or reach the host.
                warnOnce("socket-doctor: writing events failed (" + t + ")");
            }
        }
    }

    /** Writes the held events from the first until one must wait longer; true if any was written. */
    private boolean writeReady() {
        boolean wrote = false;
        while (!held.isEmpty() && (held.size() > CAPACITY || holdOfHead() <= 0)) {
            write(held.poll(), System.currentTimeMillis());
            wrote = true;
        }
        return wrote;
    }

    /** How much longer the first held event waits (ns): its decorator's wish, within MAX_HOLD_NANOS of the failure. */
    private long holdOfHead() {
        Event head = held.peek();
        long wish;
        try {
            wish = decorator.holdNanos(head);
        } catch (RuntimeException e) {
            wish = 0; // a broken decorator must not stall the writer
        }
        if (wish <= 0) {
            return 0;
        }
        // On the monotonic clock the event was stamped with (a wall clock can step, and has only ms).
        long age = Math.max(0, System.nanoTime() - head.nanos());
        return Math.min(wish, MAX_HOLD_NANOS - age);
    }

    /** At JVM exit, write what is queued (bounded in time) so the last failures are not lost. */
    private void flushAtExit() {
        agentThreadMarker.run();
        // No interrupt: the writer finishes the event in hand (an interrupt could cut a /proc read
        // or a write short) and leaves its loop within one poll, or a little later on a busy host.
        running = false;
        wakeWriter();
        try {
            writer.join(10 * POLL_MILLIS);
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            stopListeners();
            return; // stuck in an output that blocks: do not write beside it
        }
        drain(EXIT_DRAIN_MILLIS);
        flushJson();
        stopListeners();
    }

    private void stopListeners() {
        for (Listener listener : listeners) {
            try {
                listener.onStop();
            } catch (Throwable t) {
                // one listener's trouble is not the others'
            }
        }
    }

    /**
     * Once the writer thread has left its loop (never beside it): writes the held events, then
     * the queued ones, in order, for at most {@code budgetMillis}, and the rate limit's pending
     * summaries. The decorator gets its last chance first: nothing waits for /proc any more.
     */
    private void drain(long budgetMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        Event event;
        if (!held.isEmpty()) {
            decorator.lastChance();
        }
        while (System.nanoTime() < deadline && (event = held.poll()) != null) {
            write(event, System.currentTimeMillis());
        }
        while (System.nanoTime() < deadline && (event = queue.poll()) != null) {
            write(event, System.currentTimeMillis());
        }
        limiter.drainSummaries(System.currentTimeMillis(), true, summaries);
    }

    private void write(Event raw, long now) {
        if (raw.type() == WAKE) { // the constant itself, never an equal text from outside
            return;
        }
        written.incrementAndGet();
        Event event = decorator.decorate(raw);
        for (Listener listener : listeners) {
            listener.onEvent(event);
        }
        if (json != null) {
            try {
                writeJson(JsonLine.format(event, null, identityJson()).concat("\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                warnOnce("socket-doctor: cannot write events to " + config.events() + " (" + e + "); JSON events are off");
                json = null;
            }
        }
        if (config.log() != Config.Log.OFF && logs(event, now)) {
            if (config.log() == Config.Log.JSON) {
                print(JsonLine.format(event, Level.of(event), identityJson()));
            } else if (config.log() == Config.Log.SYSTEM) {
                log(EventText.logLine(event));
            } else {
                print(JsonLine.time(event.ts()) + " " + EventText.logLine(event));
            }
        }
    }

    /** The first failures whose follow-up already has its log line (event nanos), newest last; writer thread only. */
    private final long[] followedUp = new long[64];
    private int followedUpNext;

    /**
     * Whether the event gets a log line: within its key's rate; a consequence only once per first
     * failure (the events file and the metrics still get every one), under a rate of its own.
     */
    private boolean logs(Event event, long now) {
        Event.After after = event.after();
        if (after == null) {
            return limiter.tryPass(event.rateKey(), now);
        }
        for (long root : followedUp) {
            if (root == after.rootNanos()) {
                return false;
            }
        }
        followedUp[followedUpNext] = after.rootNanos();
        followedUpNext = (followedUpNext + 1) % followedUp.length;
        return limiter.tryPass("follow-ups of " + after.name(), now);
    }

    /**
     * Appends one line; when it would take the file past {@code events.max}, the file is first
     * renamed to {@code <file>.1} (replacing the previous one) and a new one begun. So the file
     * stays under the cap (a single line longer than the cap is still written whole), and the two
     * files under twice the cap. A path that is not a regular file (/dev/null) is never rotated.
     */
    private void writeJson(byte[] line) throws IOException {
        if (jsonBytes > 0 && jsonBytes > jsonMax - line.length) {
            OutputStream full = json;
            json = null;
            full.close();
            java.nio.file.Path file = config.events();
            Files.move(file, file.resolveSibling(file.getFileName() + ".1"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            json = openJson(config);
            jsonBytes = 0;
        }
        json.write(line);
        jsonBytes += line.length;
    }

    /**
     * Opens the events file for appending; one that does not exist yet is first created with
     * {@code events.mode} (0600 unless given), set explicitly, so the JVM's umask (often 022, a
     * world-readable file) does not decide who reads peer addresses, thread names and code sites.
     * Created narrow (the mode masked by the umask) and only then set to the mode: never wider
     * than asked for, not even for a moment. An existing file (or /dev/null, a FIFO) keeps its own.
     * A FileOutputStream, not Files.newOutputStream: a channel would be closed for good by an
     * interrupt of the thread writing to it.
     */
    static OutputStream openJson(Config config) throws IOException {
        java.nio.file.Path file = config.events();
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = config.eventsMode();
        try {
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(mode));
            Files.setPosixFilePermissions(file, mode);
        } catch (java.nio.file.FileAlreadyExistsException exists) {
            // appended to as it is
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX permissions: created below with its defaults
        }
        return new java.io.FileOutputStream(file.toFile(), true);
    }

    /** The decorator's one-time line (after the events it concerns were written), through the log. */
    private void tellNotice() {
        String notice;
        try {
            notice = decorator.notice();
        } catch (RuntimeException e) {
            return;
        }
        if (notice != null && config.log() != Config.Log.OFF) {
            java.time.Instant now = java.time.Instant.ofEpochMilli(System.currentTimeMillis());
            if (config.log() == Config.Log.JSON) {
                print(JsonLine.notice(now, notice, identityJson()));
            } else if (config.log() == Config.Log.SYSTEM) {
                log(notice);
            } else {
                print(JsonLine.time(now) + " " + notice);
            }
        }
    }

    private void writeSummary(String key, long held, long seconds) {
        if (config.log() != Config.Log.OFF) {
            // The same limit for log=json: a reset storm must not flood a container's log pipeline either.
            java.time.Instant now = java.time.Instant.ofEpochMilli(System.currentTimeMillis());
            if (config.log() == Config.Log.JSON) {
                print(JsonLine.summary(now, key, held, seconds, identityJson()));
            } else if (config.log() == Config.Log.SYSTEM) {
                log(EventText.summary(key, held, seconds));
            } else {
                print(JsonLine.time(now) + " " + EventText.summary(key, held, seconds));
            }
        }
    }

    /** {@code log=system}: through System.Logger, as the line always went. */
    private void log(String line) {
        if (logger == null) {
            logger = System.getLogger("io.socketdoctor");
        }
        logger.log(System.Logger.Level.WARNING, line);
    }

    /** {@code log=stderr} and {@code log=json}: one line on the stream of {@code log.to}. */
    private void print(String line) {
        PrintStream stream = toStdout ? System.out : System.err;
        stream.println(line);
        stream.flush();
    }

    private void flushJson() {
        if (json != null) {
            try {
                json.flush();
            } catch (IOException e) {
                warnOnce("socket-doctor: cannot write events to " + config.events() + " (" + e + "); JSON events are off");
                json = null;
            }
        }
    }

    private boolean warned;

    private void warnOnce(String line) {
        if (!warned) {
            warned = true;
            System.err.println(line);
        }
    }
}
