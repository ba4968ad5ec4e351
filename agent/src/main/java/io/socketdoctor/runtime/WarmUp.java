package io.socketdoctor.runtime;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Op;
import io.socketdoctor.event.EventReceiver;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.ConnectionRecord;
import io.socketdoctor.track.Tracker;
import java.net.Socket;
import java.net.SocketException;

/**
 * Runs every path once, on the agent's warm-up thread right after the install, with a socket that
 * never connects, so that the first real failure or event usually finds everything loaded and
 * linked. Its fake connection is counted apart (see {@code Tracker.warmUpWith}) and its events are
 * formatted but written nowhere.
 */
final class WarmUp {

    private final Diagnostics diagnostics;
    private final Tracker tracker;
    private final JdkFailures failures;
    private final NoticeEvents notices;
    private final EventReceiver sink;

    WarmUp(Diagnostics diagnostics, Tracker tracker, JdkFailures failures, NoticeEvents notices, EventReceiver sink) {
        this.diagnostics = diagnostics;
        this.tracker = tracker;
        this.failures = failures;
        this.notices = notices;
        this.sink = sink;
    }

    /** A throwable to run the whole path with. */
    static Throwable throwable() {
        return new SocketException("Connection reset");
    }

    void run(Throwable thrown, HandlerGuard.PerThread state) {
        Socket socket = new Socket();
        tracker.warmUpWith(socket);
        HookSite read = HookSites.ALL.get(0);
        long now = tracker.now();
        tracker.onEvent(socket, read.api(), Op.CONNECT, Bridge.OPENED, "127.0.0.1:1", "127.0.0.1:2",
                SiteSuppliers.StackSite.INSTANCE, now);
        diagnostics.lifecycle(read, socket, null, Bridge.PEER_EOF, now, false);
        ConnectionRecord r = tracker.lookup(socket);
        if (r != null) {
            notices.eventOf(new Tracker.Notice("write_after_peer_close", Op.WRITE, r, null, 0), true);
            notices.eventOf(new Tracker.Notice("close_wait_leak", Op.CLOSE, r, null, 0), false);
        }
        sink.warmUp(failures.diagnose(read, socket, null, thrown, TlsContext.of(thrown), false));
        Consequences.warmUp();
        TlsContext.ofCurrentThread();
        JdkFailures.peerClosedDuringHandshake(thrown, state);
        new SiteSuppliers.ThrownSite(thrown).get();
        tracker.onEvent(socket, read.api(), Op.CLOSE, Bridge.CLOSED, null, null, SiteSuppliers.StackSite.INSTANCE, now);
    }
}
