package io.socketdoctor.track;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.config.Config;
import io.socketdoctor.event.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A property of every rendered history: its times come from one clock and are in the order the
 * events happened, whatever the order and spacing of opens, reads, writes, EOFs, resets and the
 * tracker's ticks, and also when a read or write is stamped with the previous tick's value (a
 * thread that had not seen the latest tick yet). Random orders from a fixed seed, on a fake clock;
 * every loop is bounded.
 */
class HistoryConsistencyTest {

    private static final long SEED = 0x5D15_0C70L;
    private static final int SCENARIOS = 3000;
    private static final int STEPS = 40;
    private static final Pattern AGO = Pattern.compile(
            "^(connected|accepted) (\\d+\\.\\d) s ago, last read (never|(\\d+\\.\\d) s ago), last write (never|(\\d+\\.\\d) s ago)"
                    + "(, peer closed \\(EOF read\\) (\\d+\\.\\d) s ago( at [^,]*)?)?(, (\\w+) (\\d+\\.\\d) s ago)?");

    private long[] published;
    private final ConnectionTable table = new ConnectionTable(slots -> published = slots);
    private final Tracker tracker = new Tracker(table, new ConnectionStats(), new KernelTcp(), Config.defaults());

    /** The site of an EOF, known as text: no stack to capture in a test. */
    private static final Tracker.CallSiteSupplier SITE = new Tracker.CallSiteSupplier() {
        @Override
        public String get() {
            return "com.example.Client.call(Client.java:1)";
        }
    };

    /** One connection of a scenario, with what the test knows really happened to it. */
    private static final class Conn {
        final Object socket = new Object();
        ConnectionRecord record;
        boolean eof;
        boolean reset;
        boolean closed;
    }

    @Test
    void everyRenderedHistoryIsInTheOrderThingsHappened() {
        Random random = new Random(SEED);
        long clock = 1_700_000_000_000L;
        long previousTick = clock;
        long lastTick = clock;
        table.tick(clock);
        int rendered = 0;
        for (int scenario = 0; scenario < SCENARIOS; scenario++) {
            List<Conn> conns = new ArrayList<>();
            StringBuilder trace = new StringBuilder("seed " + SEED + ", scenario " + scenario + ":");
            for (int step = 0; step < STEPS; step++) {
                int what = random.nextInt(10);
                Conn c = conns.isEmpty() ? null : conns.get(random.nextInt(conns.size()));
                if (what <= 1) { // time passes; the tracker ticks, or is late
                    clock += random.nextInt(4) == 0 ? random.nextInt(400) : random.nextInt(60);
                    if (random.nextInt(3) > 0) {
                        previousTick = lastTick;
                        lastTick = clock;
                        table.tick(clock);
                        trace.append(" tick@").append(clock);
                    } else {
                        trace.append(" +time@").append(clock);
                    }
                } else if (what == 2 || c == null) {
                    Conn fresh = new Conn();
                    boolean accepted = random.nextBoolean();
                    tracker.onEvent(fresh.socket, accepted ? Api.SERVER_SOCKET : Api.SOCKET,
                            accepted ? Op.ACCEPT : Op.CONNECT, Bridge.OPENED, null, null, SITE, clock);
                    fresh.record = table.lookup(fresh.socket);
                    assertTrue(fresh.record != null, trace.toString());
                    conns.add(fresh);
                    trace.append(" open#").append(conns.size() - 1).append('@').append(clock);
                } else if (c.closed) {
                    continue;
                } else if (what <= 4 && !c.eof && !c.reset) { // a read with data, stamped by the bridge
                    stamp(c, Bridge.LAST_READ, random.nextInt(4) == 0 ? previousTick : lastTick);
                    trace.append(" read#").append(conns.indexOf(c));
                } else if (what <= 6) { // a write: also after an EOF (a write after the peer closed)
                    stamp(c, Bridge.LAST_WRITE, random.nextInt(4) == 0 ? previousTick : lastTick);
                    trace.append(" write#").append(conns.indexOf(c));
                } else if (what == 7 && !c.reset) {
                    tracker.onEvent(c.socket, Api.SOCKET, Op.READ, Bridge.PEER_EOF, null, null, SITE, clock);
                    c.eof = true;
                    trace.append(" eof#").append(conns.indexOf(c)).append('@').append(clock);
                } else if (what == 8) {
                    tracker.failed(c.record, "ECONNRESET", clock);
                    c.reset = true;
                    trace.append(" reset#").append(conns.indexOf(c)).append('@').append(clock);
                } else {
                    tracker.onEvent(c.socket, Api.SOCKET, Op.CLOSE, Bridge.CLOSED, null, null, SITE, clock);
                    c.closed = true;
                    trace.append(" close#").append(conns.indexOf(c));
                }
                // Render a random live connection's history now, as a failure or a notice would.
                Conn shown = conns.isEmpty() ? null : conns.get(random.nextInt(conns.size()));
                if (shown != null && !shown.closed) {
                    check(Histories.of(table, shown.record, clock), clock, trace);
                    rendered++;
                }
            }
            for (Conn c : conns) {
                if (!c.closed) {
                    tracker.onEvent(c.socket, Api.SOCKET, Op.CLOSE, Bridge.CLOSED, null, null, SITE, clock);
                }
            }
        }
        assertTrue(rendered > SCENARIOS * 10, "the property was checked often enough: " + rendered);
    }

    /** What the bridge does on a successful read or write: the slot gets a value of the coarse clock. */
    private void stamp(Conn c, int field, long tickValue) {
        int slot = Bridge.slotOf(published, c.socket);
        assertTrue(slot > 0);
        published[slot + field] = tickValue;
    }

    private static void check(Event.History h, long now, StringBuilder trace) {
        String context = trace + "\n  now=" + now + " history: " + h;
        assertTrue(h.ageMs() >= 0, "negative age: " + context);
        assertTrue(h.idleMs() >= 0, "negative idle: " + context);
        assertTrue(h.idleMs() <= h.ageMs(), "idle longer than the connection's age: " + context);
        long openedAt = now - h.ageMs();
        Matcher m = AGO.matcher(h.summary());
        if (!m.find()) {
            fail("summary not understood: " + context);
        }
        long age = tenths(m.group(2));
        Long read = m.group(4) == null ? null : tenths(m.group(4));
        Long write = m.group(6) == null ? null : tenths(m.group(6));
        Long eof = m.group(8) == null ? null : tenths(m.group(8));
        Long reset = m.group(12) == null ? null : tenths(m.group(12));
        assertTrue(age == (h.ageMs() + 50) / 100, "the summary's age is age_ms: " + context);
        for (Long ago : new Long[] {read, write, eof, reset}) {
            assertTrue(ago == null || ago <= age, "something happened before the connection existed: " + context);
        }
        // idle_ms is the time since the last I/O (or the open): the summary's newest event.
        long newestIo = Math.min(age, Math.min(read == null ? age : read, write == null ? age : write));
        assertTrue(Math.abs(h.idleMs() - newestIo * 100) <= 50, "idle_ms does not match the summary: " + context);
        if (h.eofAt() != null) {
            long at = h.eofAt().toEpochMilli();
            assertTrue(at >= openedAt && at <= now, "eof_at outside [open, now]: " + context);
            assertTrue(eof != null && eof == (now - at + 50) / 100, "eof_at and the summary disagree: " + context);
        } else {
            assertTrue(eof == null, context);
        }
        if (h.resetAt() != null) {
            long at = h.resetAt().toEpochMilli();
            assertTrue(at >= openedAt && at <= now, "reset_at outside [open, now]: " + context);
            assertTrue(reset != null && reset == (now - at + 50) / 100, "reset_at and the summary disagree: " + context);
        }
    }

    private static long tenths(String seconds) {
        return Long.parseLong(seconds.replace(".", ""));
    }
}
