package io.socketdoctor.track;

import io.socketdoctor.event.Event;
import java.time.Instant;

/** A connection's history as event fields and as the values of the texts' placeholders. */
public final class Histories {

    private Histories() {
    }

    /** The history of {@code r} at {@code now} (epoch ms). */
    public static Event.History of(ConnectionTable table, ConnectionRecord r, long now) {
        long lastRead = table.lastRead(r);
        long lastWrite = table.lastWrite(r);
        long lastIo = Math.max(r.openedAt, Math.max(lastRead, lastWrite));
        StringBuilder s = new StringBuilder(160);
        s.append(r.direction == ConnectionStats.Direction.SERVER ? "accepted " : "connected ")
         .append(seconds(now - r.openedAt)).append(" ago");
        s.append(", last read ").append(lastRead == 0 ? "never" : seconds(now - lastRead) + " ago");
        s.append(", last write ").append(lastWrite == 0 ? "never" : seconds(now - lastWrite) + " ago");
        if (r.eofAt != 0) {
            s.append(", peer closed (EOF read) ").append(seconds(now - r.eofAt)).append(" ago");
            String site = r.eofSite();
            if (site != null) {
                s.append(" at ").append(site);
            }
        }
        if (r.resetAt != 0) {
            s.append(", ").append(r.resetErrno == null ? "failure" : r.resetErrno).append(' ')
             .append(seconds(now - r.resetAt)).append(" ago");
        }
        if (r.outputShutdown) {
            s.append(", this side shut down output");
        }
        return new Event.History(Math.max(0, now - r.openedAt), Math.max(0, now - lastIo), s.toString(),
                r.eofAt == 0 ? null : Instant.ofEpochMilli(r.eofAt), r.eofSite(),
                r.resetAt == 0 ? null : Instant.ofEpochMilli(r.resetAt), r.resetErrno);
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
