package io.socketdoctor.track;

import io.socketdoctor.event.Event;
import java.time.Instant;

/** A connection's history as event fields and as the values of the texts' placeholders. */
public final class Histories {

    private Histories() {
    }

    /**
     * The history of {@code r} at {@code now}, a time of the tracker's clock ({@link Tracker#now()}),
     * which every stamp of the record comes from. In the order things happened, by construction:
     * reads and writes carry the coarse clock's value (the tick before them, or one more tick
     * behind on a thread that had not seen the last tick yet), which may be earlier than the exact
     * time of the open, so no stamp is shown before the open and none after {@code now}.
     */
    public static Event.History of(ConnectionTable table, ConnectionRecord r, long now) {
        long openedAt = r.openedAt;
        long lastRead = notBefore(table.lastRead(r), openedAt);
        long lastWrite = notBefore(table.lastWrite(r), openedAt);
        long eofAt = notBefore(r.eofAt, openedAt);
        long resetAt = notBefore(r.resetAt(), openedAt);
        now = Math.max(Math.max(now, openedAt), Math.max(Math.max(lastRead, lastWrite), Math.max(eofAt, resetAt)));
        long lastIo = Math.max(openedAt, Math.max(lastRead, lastWrite));
        StringBuilder s = new StringBuilder(160);
        s.append(r.direction() == ConnectionStats.Direction.SERVER ? "accepted " : "connected ")
         .append(seconds(now - openedAt)).append(" ago");
        s.append(", last read ").append(lastRead == 0 ? "never" : seconds(now - lastRead) + " ago");
        s.append(", last write ").append(lastWrite == 0 ? "never" : seconds(now - lastWrite) + " ago");
        String eofSite = r.eofSite();
        if (eofAt != 0) {
            s.append(", peer closed (EOF read) ").append(seconds(now - eofAt)).append(" ago");
            if (eofSite != null) {
                s.append(" at ").append(eofSite);
            }
        }
        String resetErrno = r.resetErrno();
        if (resetAt != 0) {
            s.append(", ").append(resetErrno == null ? "failure" : resetErrno).append(' ')
             .append(seconds(now - resetAt)).append(" ago");
        }
        if (r.outputShutdown()) {
            s.append(", this side shut down output");
        }
        return new Event.History(now - openedAt, now - lastIo, s.toString(),
                eofAt == 0 ? null : Instant.ofEpochMilli(eofAt), eofSite,
                resetAt == 0 ? null : Instant.ofEpochMilli(resetAt), resetErrno, r.openThread(), r.openSite());
    }

    /** A stamp (0: none) shown no earlier than the open it followed. */
    private static long notBefore(long stamp, long openedAt) {
        return stamp == 0 ? 0 : Math.max(stamp, openedAt);
    }

    /**
     * Fills {@code {age}}, {@code {idle}}, {@code {eof_ago}}, {@code {eof_site}}, {@code {reset_ago}},
     * from a notice's figure {@code {count}} (a number) and {@code {quiet}} (milliseconds), and
     * {@code {peer}} (the remote or target address, "the peer" when unknown), in a diagnosis or hint.
     */
    public static String render(String text, Event.History h, long now, long figure, String peer) {
        if (text.indexOf('{') < 0) {
            return text;
        }
        String out = text.replace("{count}", Long.toString(figure)).replace("{quiet}", seconds(figure))
                .replace("{peer}", peer == null ? "the peer" : peer);
        if (h == null) {
            return out.replace("{age}", "an unknown time").replace("{idle}", "an unknown time")
                    .replace("{eof_ago}", "an unknown time").replace("{eof_site}", "an unknown place")
                    .replace("{reset_ago}", "an unknown time");
        }
        return out.replace("{age}", seconds(h.ageMs())).replace("{idle}", seconds(h.idleMs()))
                .replace("{eof_ago}", h.eofAt() == null ? "an unknown time" : seconds(now - h.eofAt().toEpochMilli()))
                .replace("{eof_site}", h.eofSite() == null ? "an unknown place" : h.eofSite())
                .replace("{reset_ago}", h.resetAt() == null ? "an unknown time" : seconds(now - h.resetAt().toEpochMilli()));
    }

    /** {@code 0.1 s}, {@code 300.0 s}. */
    public static String seconds(long millis) {
        long tenths = (Math.max(0, millis) + 50) / 100;
        return (tenths / 10) + "." + (tenths % 10) + " s";
    }
}
