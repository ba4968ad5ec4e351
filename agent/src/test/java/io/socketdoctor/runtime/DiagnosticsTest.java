package io.socketdoctor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.bootstrap.LibraryBridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.config.Config;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventReceiver;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.ConnectionStats;
import io.socketdoctor.track.ConnectionTable;
import io.socketdoctor.track.KernelTcp;
import io.socketdoctor.track.Tracker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The handler's logic without a JVM of its own: failures and lifecycle events are passed in as the
 * bridge would pass them, on a tracker with a fake clock, and the events land in a list.
 */
class DiagnosticsTest {

    private static final int READ = siteId(s -> s.shape() == HookSite.Shape.STREAM_READ);
    private static final int WRITE = siteId(s -> s.shape() == HookSite.Shape.STREAM_WRITE);
    private static final int CONNECT = siteId(s -> s.type().equals("java.net.Socket") && s.method().equals("connect"));

    private final long[] clock = {1_700_000_000_000L};
    private final Tracker tracker = new Tracker(new ConnectionTable(slots -> { }), new ConnectionStats(),
            new KernelTcp(), Config.defaults(), () -> clock[0]);
    private final Events events = new Events();
    private final Diagnostics diagnostics = new Diagnostics(Config.defaults(), null, events, tracker);

    @Test
    void aResetIsDiagnosedWithItsHistoryAndTheApplicationKeepsItsException() {
        Socket socket = open("127.0.0.1:40000", "127.0.0.1:8080");
        clock[0] += 1_500;
        SocketException thrown = new SocketException("Connection reset");

        diagnostics.onError(socket, null, READ, thrown);
        diagnostics.onError(socket, null, READ, thrown); // the outer site of the same failure

        assertEquals(1, events.offered.size(), "one event per failure: " + events.offered);
        Event e = events.offered.get(0);
        assertEquals(Event.SOCKET_ERROR, e.type());
        assertEquals("ECONNRESET", e.errno());
        assertEquals("read", e.op());
        assertEquals("socket", e.api());
        assertEquals("java.net.SocketException", e.exception());
        assertNull(e.remote(), "a failure's ends are read from the socket itself, and this one never connected");
        assertEquals(1_500, e.history().ageMs());
        assertEquals(Thread.currentThread().getName(), e.thread());
        // The first frame outside the JDK and the agent: JUnit's, as this test lives in the agent's package.
        assertTrue(e.site().startsWith("org.junit."), e.site());
        assertEquals(e.site(), e.appSite(), "JUnit is no client library the table knows");
        assertNull(e.after(), "a first failure follows from nothing");
        assertEquals("Connection reset", thrown.getMessage(), "the message is the application's");
        assertEquals(1, thrown.getSuppressed().length, "the diagnosis rides along as a suppressed note");
        assertTrue(thrown.getSuppressed()[0].getMessage().contains("ECONNRESET"), thrown.getSuppressed()[0].getMessage());
    }

    @Test
    void aFailureMomentsAfterARefusalOnTheSameSocketIsItsFollowUp() {
        Socket socket = new Socket();
        diagnostics.onError(socket, null, CONNECT, new ConnectException("Connection refused"));
        diagnostics.onError(socket, null, READ, new SocketException("Socket is closed"));
        diagnostics.onError(new Socket(), null, READ, new SocketException("Socket is closed"));

        assertEquals(3, events.offered.size(), events.offered.toString());
        assertEquals("ECONNREFUSED", events.offered.get(0).errno());
        Event followUp = events.offered.get(1);
        assertEquals("closed_after_refused", followUp.cause());
        assertEquals("ECONNREFUSED", followUp.after().errno());
        assertEquals(events.offered.get(0).nanos(), followUp.after().rootNanos(), "linked to that very failure");
        assertTrue(followUp.diagnosis().contains("ECONNREFUSED"), followUp.diagnosis());
        Event unrelated = events.offered.get(2);
        assertNull(unrelated.after(), "another socket's failure is linked to nothing");
        assertFalse(unrelated.cause().endsWith("_after_refused"), unrelated.cause());
    }

    @Test
    void aWriteAfterThePeersEofWarnsOncePerConnection() {
        Socket socket = open("127.0.0.1:40001", "127.0.0.1:8080");
        diagnostics.onEvent(socket, null, READ, Bridge.PEER_EOF);
        clock[0] += 200;
        diagnostics.onEvent(socket, null, WRITE, Bridge.WRITE_WARNING);
        diagnostics.onEvent(socket, null, WRITE, Bridge.WRITE_WARNING);

        assertEquals(1, events.offered.size(), events.offered.toString());
        Event warning = events.offered.get(0);
        assertEquals("write_after_peer_close", warning.type());
        assertEquals("write", warning.op());
        assertEquals("127.0.0.1:8080", warning.remote());
        assertNotNull(warning.history().eofAt(), "the history shows the EOF it follows");
        assertFalse(warning.diagnosis().contains("{"), "every placeholder filled: " + warning.diagnosis());
    }

    @Test
    void theTrackersFindingBecomesAnEventWithTheNotesTexts() {
        Socket socket = open("127.0.0.1:40002", "127.0.0.1:5432");
        diagnostics.notice(new Tracker.Notice("close_wait_leak", Op.CLOSE, tracker.lookup(socket), null, 0));

        Event leak = events.offered.get(0);
        assertEquals("close_wait_leak", leak.type());
        assertEquals("close_wait_leak", leak.cause());
        assertEquals("socket", leak.api());
        assertFalse(leak.diagnosis().isBlank());
        assertFalse(leak.hint().contains("{knob}"), leak.hint());
    }

    @Test
    void nettysErrnoNumbersAreNamedAndAPrebuiltExceptionCountsEachTime() {
        IOException fresh = new IOException("connect(..) failed: Connection refused");
        diagnostics.onNettyError("connect", -111, fresh, 0);
        diagnostics.onNettyError("connect", -111, fresh, 0); // the nested site of the same failure
        IOException cached = new IOException("write(..) failed: Broken pipe");
        diagnostics.onNettyError("writeAddress", -32, cached, LibraryBridge.CACHED);
        diagnostics.onNettyError("writeAddress", -32, cached, LibraryBridge.CACHED); // thrown again: a new failure
        diagnostics.onNettyError("epollWait", -4, new IOException("EINTR"), 0); // not a socket operation

        assertEquals(List.of("ECONNREFUSED", "EPIPE", "EPIPE"), events.offered.stream().map(Event::errno).toList());
        Event refused = events.offered.get(0);
        assertEquals(Api.NETTY.label(), refused.api());
        assertEquals("connect", refused.op());
        assertEquals("netty", refused.library());
        assertEquals(0, cached.getSuppressed().length, "a shared pre-built exception is never grown");
        assertEquals(1, fresh.getSuppressed().length);
    }

    @Test
    void anInternalFailureNeverReachesTheApplicationAndSwitchesDiagnosticsOff() {
        events.explode = true;
        SocketException first = new SocketException("Connection reset");
        diagnostics.onError(new Socket(), null, READ, first); // must not throw
        events.explode = false;
        diagnostics.onError(new Socket(), null, READ, new SocketException("Connection reset"));
        diagnostics.onEvent(open("127.0.0.1:40003", "127.0.0.1:80"), null, WRITE, Bridge.WRITE_WARNING);

        assertEquals(List.of(), events.offered, "off for good after the first internal failure");
        assertEquals("Connection reset", first.getMessage());
    }

    @Test
    void theAgentsOwnWorkIsNeverDiagnosed() throws Exception {
        events.onOffer = () -> diagnostics.onError(new Socket(), null, READ, new SocketException("Broken pipe"));
        diagnostics.onError(new Socket(), null, READ, new SocketException("Connection reset"));
        assertEquals(List.of("ECONNRESET"), events.offered.stream().map(Event::errno).toList(),
                "a failure inside the handler's own work is not reported");

        events.onOffer = null;
        Thread agentThread = new Thread(() -> {
            diagnostics.agentThreadMarker().run();
            diagnostics.onError(new Socket(), null, READ, new SocketException("Connection reset"));
        });
        agentThread.start();
        agentThread.join(10_000);
        assertEquals(1, events.offered.size(), "an agent thread's sockets are not the application's");
    }

    @Test
    void theWarmUpRunsEveryPathAndReportsNothing() {
        Throwable thrown = Diagnostics.warmUpThrowable();
        diagnostics.onError(null, null, Diagnostics.WARM_UP_SITE, thrown);

        assertEquals(List.of(), events.offered);
        assertEquals(1, events.warmedUp.size());
        assertEquals("ECONNRESET", events.warmedUp.get(0).errno());
        assertEquals(0, tracker.table().size(), "its fake connection is gone");
        Socket socket = new Socket();
        diagnostics.onError(socket, null, CONNECT, new ConnectException("Connection refused"));
        diagnostics.onError(socket, null, READ, new SocketException("Socket is closed"));
        assertEquals("closed_after_refused", events.offered.get(1).cause(), "the warm-up left no root behind");
    }

    private Socket open(String local, String remote) {
        Socket socket = new Socket();
        tracker.onEvent(socket, Api.SOCKET, Op.CONNECT, Bridge.OPENED, local, remote,
                SiteSuppliers.StackSite.INSTANCE, clock[0]);
        assertNotNull(tracker.lookup(socket));
        return socket;
    }

    private static int siteId(Predicate<HookSite> which) {
        HookSite site = HookSites.ALL.stream().filter(which).findFirst().orElseThrow();
        assertSame(site, HookSites.byId(site.id()));
        return site.id();
    }

    /** The sink, as a list; it can fail or call back into the handler, as a broken or re-entrant sink would. */
    private static final class Events implements EventReceiver {
        final List<Event> offered = new ArrayList<>();
        final List<Event> warmedUp = new ArrayList<>();
        boolean explode;
        Runnable onOffer;

        @Override
        public void offer(Event event) {
            if (explode) {
                throw new IllegalStateException("a broken sink");
            }
            offered.add(event);
            if (onOffer != null) {
                onOffer.run();
            }
        }

        @Override
        public void warmUp(Event event) {
            warmedUp.add(event);
        }
    }
}
