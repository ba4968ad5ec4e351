package io.socketdoctor.runtime;

import io.socketdoctor.classify.ErrorTable;
import io.socketdoctor.event.Event;
import io.socketdoctor.track.ConnectionRecord;
import io.socketdoctor.track.Histories;
import io.socketdoctor.track.Tracker;
import java.time.Instant;

/**
 * Events from what the tracker notices: a warning on the application's thread (a write after the
 * peer left, a stale connection), or a finding of its own thread (a CLOSE_WAIT leak, the census).
 * The texts are the table's notes, rendered with the connection's history.
 */
final class NoticeEvents {

    private final Knowledge.Lazy knowledge;
    private final Tracker tracker;

    NoticeEvents(Knowledge.Lazy knowledge, Tracker tracker) {
        this.knowledge = knowledge;
        this.tracker = tracker;
    }

    /**
     * @param onAppThread whether the notice was found on the application's thread, whose stack then
     *                    tells the library; the tracker's thread runs no application code, so there
     *                    the frames kept of the connection tell it
     */
    Event eventOf(Tracker.Notice notice, boolean onAppThread) {
        long now = tracker.now(); // the histories' clock: the history below is compared with it
        Knowledge k = knowledge.get();
        ConnectionRecord r = notice.record();
        Event.History history = r == null ? null : Histories.of(tracker.table(), r, now);
        String[] ends = r == null ? new String[2] : r.addresses(AddressReader.INSTANCE);
        if ("stale_connection".equals(notice.note())) {
            k.peerIdle.closedAfter(ends[1], notice.figure()); // the peer closed it after this much idle time
        }
        Origin origin = onAppThread ? CallSite.originOfCurrentThread(k.libraries)
                : Origin.ofSites(k.libraries, notice.site(), history == null ? null : history.openSite());
        ErrorTable.Note note = k.table.note(notice.note());
        String hint = Histories.render(note.hint(), history, now, notice.figure(), ends[1]);
        return Event.of(notice.type())
                .at(Instant.ofEpochMilli(now))
                .cause(notice.note(), null)
                .call(notice.op().label(), r == null ? null : r.api().label())
                .ends(ends[0], ends[1])
                .texts(Histories.render(note.diagnosis(), history, now, notice.figure(), ends[1]),
                        k.withKnob(hint, origin, ends[1]))
                .thread(CallSite.currentThreadName())
                .sites(notice.site(), onAppThread ? origin.appSite() : Origin.appSiteOf(k.libraries, notice.site()))
                .library(origin.library())
                .history(history)
                .build();
    }
}
