package io.socketdoctor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The shortest idle time after which each peer closed a connection: kept per peer, bounded, and what to stay under. */
class PeerIdleTest {

    @Test
    void whatToStayUnder() {
        assertEquals(60_000, PeerIdle.below(61_000));
        assertEquals(750, PeerIdle.below(1_500));
        PeerIdle idle = new PeerIdle();
        idle.closedAfter("127.0.0.1:80", 61_000);
        idle.closedAfter("127.0.0.1:80", 90_000);
        idle.closedAfter("127.0.0.1:81", 5_000);
        assertEquals(61_000, idle.shortest("127.0.0.1:80"));
        assertEquals(-1, idle.shortest("127.0.0.1:82"));
        for (int i = 0; i < 1000; i++) {
            idle.closedAfter("127.0.0.2:" + i, 1000);
        }
        assertEquals(-1, idle.shortest("127.0.0.1:80"), "bounded: the oldest peers go");
    }
}
