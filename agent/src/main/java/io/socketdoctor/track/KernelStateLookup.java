package io.socketdoctor.track;

import io.socketdoctor.classify.Api;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventSink;

/**
 * Adds the kernel's TCP state to events as the writer thread writes them: never on the
 * application's thread. A read of /proc/net/tcp is a walk of the kernel's TCP hash that copies
 * rows for milliseconds, so a row may be copied before a failure that happens while the rest is
 * read (a reset connection then still shows ESTABLISHED): an event is served only by a read that
 * began strictly after it was made ({@link Event#nanos()} against {@link KernelTcp.Snapshot#startedAt},
 * both System.nanoTime, moments after the failure).
 *
 * <p>Each read costs the kernel that walk of its whole TCP hash (about 13 ms even when nearly
 * empty, 60 ms with 10 000 sockets, measured by the bench), so one read serves every event made
 * before it began, and reads are spaced by their own cost: after a read that took {@code d} of
 * this thread's CPU time (wall time where the JVM cannot tell), the next comes no sooner than
 * {@value #COST_FACTOR} × {@code d} later (at most 5% of one CPU, however many sockets the host
 * has and however often it fails), and never more than {@value #READS_PER_SECOND} a second. An
 * event made after the last read began is held back by the writer until the next one is allowed
 * (at most {@link EventSink#MAX_HOLD_NANOS} after the failure, and the events behind it wait with
 * it, so the order stays); later than that, or without both addresses, it carries no state:
 * absent, never guessed. The state is the one seen by a read that began after the failure and
 * at most {@link #REUSE_NANOS} before the event is written, up to a second after the failure.
 */
public final class KernelStateLookup implements EventSink.Decorator {

    /** Reads of /proc per second at most, however cheap they are. */
    static final int READS_PER_SECOND = 5;
    /** The gap after a read is this many times the read's own cost: 20 = 5% of one CPU. */
    static final long COST_FACTOR = 20;
    /** One read serves every event made before it began, within this time of its start. */
    static final long REUSE_NANOS = 250_000_000L;

    private final KernelTcp kernel;
    private KernelTcp.Snapshot last;
    /** The kernel's clock (System.nanoTime) before which no read is made (the first one may come at once). */
    private long nextReadAt;
    /** Whether the last read worked; holding events for /proc is pointless when it cannot be read. */
    private boolean readable = true;

    /** Reads {@code kernel}, on its clock (the one its snapshots are stamped with). */
    public KernelStateLookup(KernelTcp kernel) {
        this.kernel = kernel;
        this.nextReadAt = kernel.nanoTime();
    }

    /**
     * A TCP event with both ends and no state yet. Not UDP: /proc/net/tcp knows nothing of it
     * ("GONE" would be a lie). No kernel.available() here: it is a file-system call, and
     * snapshot() checks it when it reads.
     */
    private static boolean wantsState(Event event) {
        return event.tcp() == null && event.local() != null && event.remote() != null
                && !Api.DATAGRAM.label().equals(event.api());
    }

    @Override
    public Event decorate(Event event) {
        if (!wantsState(event) || !kernel.available()) {
            return event; // unavailable: written at once, without tcp_state; /proc is not tried again
        }
        KernelTcp.Snapshot snapshot = snapshotAfter(event);
        KernelTcp.Row row = snapshot == null ? null : snapshot.find(event.local(), event.remote());
        if (row == null) {
            return event;
        }
        return event.withTcp(row == KernelTcp.GONE ? new Event.TcpState(row.state(), null, null)
                : new Event.TcpState(row.state(), row.sendQueue(), row.receiveQueue()));
    }

    @Override
    public long holdNanos(Event event) {
        if (!readable || !kernel.available() || !wantsState(event)) {
            return 0;
        }
        long now = kernel.nanoTime();
        if (serves(last, event, now)) {
            return 0;
        }
        return Math.max(0, nextReadAt - now); // then a read that begins after it
    }

    private boolean told;

    /**
     * Once, when the tables proved unreadable (here, or on the tracker's census): why, and what
     * that means for the events. The sink writes it as a log line.
     */
    @Override
    public String notice() {
        String problem = told ? null : kernel.problem();
        if (problem == null) {
            return null;
        }
        told = true;
        return "socket-doctor: the kernel's TCP state is not available: " + problem + ". Failures are diagnosed"
                + " without it (no tcp_state, send_q, recv_q; close-wait leaks unconfirmed; no CLOSE_WAIT census),"
                + " and /proc/net is not read again.";
    }

    /** The JVM is exiting: the events still held get one more read, whatever the budget says. */
    @Override
    public void lastChance() {
        nextReadAt = kernel.nanoTime();
        last = null;
    }

    /** This thread's CPU time in ns, or -1 (no java.management module, or not supported). */
    private long threadCpuNanos() {
        try {
            if (threads == null) {
                threads = java.lang.management.ManagementFactory.getThreadMXBean();
            }
            return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()
                    ? threads.getCurrentThreadCpuTime() : -1;
        } catch (Throwable noManagement) {
            return -1;
        }
    }

    private java.lang.management.ThreadMXBean threads;

    /**
     * Whether {@code snapshot} may tell the state after {@code event}'s failure: its read began
     * strictly after the event was made (so after the failure), and not more than
     * {@link #REUSE_NANOS} before {@code now}. Wrap-safe differences of one monotonic clock.
     */
    private static boolean serves(KernelTcp.Snapshot snapshot, Event event, long now) {
        return snapshot != null && snapshot.startedAt - event.nanos() > 0 && now - snapshot.startedAt <= REUSE_NANOS;
    }

    /**
     * A snapshot whose read began after the event: the last one if it did and is recent enough,
     * else a new one if the budget allows; null otherwise (absent, never guessed).
     */
    private KernelTcp.Snapshot snapshotAfter(Event event) {
        long now = kernel.nanoTime();
        if (serves(last, event, now)) {
            return last;
        }
        if (now - nextReadAt < 0) {
            return null;
        }
        long cpuBefore = threadCpuNanos();
        last = kernel.snapshot(); // stamped as its read begins, after this event was taken from the queue
        readable = last != null; // no /proc (or unreadable): never hold an event back for it
        long cpuAfter = threadCpuNanos();
        // CPU time, not wall time: on a busy host a read waits for a CPU too, which costs nothing.
        long took = cpuBefore >= 0 && cpuAfter >= cpuBefore ? cpuAfter - cpuBefore : kernel.nanoTime() - now;
        nextReadAt = now + Math.max(1_000_000_000L / READS_PER_SECOND, took * COST_FACTOR);
        return serves(last, event, kernel.nanoTime()) ? last : null;
    }
}
