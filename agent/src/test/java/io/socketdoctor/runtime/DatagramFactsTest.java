package io.socketdoctor.runtime;

import io.socketdoctor.track.Histories;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.classify.Facts;
import io.socketdoctor.classify.Op;
import io.socketdoctor.event.Event;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.KernelStateLookup;
import io.socketdoctor.track.KernelTcp;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What a failing UDP call can tell: real loopback datagram sockets (nothing is sent). */
class DatagramFactsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static HookSite site(String type, String method, Op op) {
        return HookSites.ALL.stream().filter(s -> s.type().endsWith(type) && s.method().equals(method) && s.op() == op)
                .findFirst().orElseThrow();
    }

    @Test
    void aConnectedChannelNamesBothEnds() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.bind(new InetSocketAddress(LOOPBACK, 0));
            channel.connect(new InetSocketAddress(LOOPBACK, 9));
            Facts facts = ConnectionFacts.of(channel, null, site("DatagramChannelImpl", "read", Op.READ));
            assertEquals("127.0.0.1:" + ((InetSocketAddress) channel.getLocalAddress()).getPort(), facts.local());
            assertEquals("127.0.0.1:9", facts.remote());
            assertFalse(facts.closed());
        }
    }

    @Test
    void anUnconnectedSendNamesItsTarget() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            Facts facts = ConnectionFacts.of(channel, new InetSocketAddress(LOOPBACK, 7),
                    site("DatagramChannelImpl", "send", Op.WRITE));
            assertEquals("127.0.0.1:7", facts.remote());
        }
        try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK)) {
            DatagramPacket packet = new DatagramPacket(new byte[1], 1, new InetSocketAddress(LOOPBACK, 8));
            Facts facts = ConnectionFacts.of(socket, packet, site("DatagramSocketAdaptor", "send", Op.WRITE));
            assertEquals("127.0.0.1:8", facts.remote());
            assertEquals("127.0.0.1:" + socket.getLocalPort(), facts.local());
        }
    }

    @Test
    void aClosedDatagramSocketIsClosedWithoutAddresses() throws Exception {
        DatagramSocket socket = new DatagramSocket(0, LOOPBACK);
        socket.close();
        Facts facts = ConnectionFacts.of(socket, new DatagramPacket(new byte[1], 1),
                site("DatagramSocketAdaptor", "receive", Op.READ));
        assertTrue(facts.closed());
        assertNull(facts.local());
        assertNull(facts.remote());
    }

    @Test
    void peerPlaceholder() {
        assertEquals("a datagram to 127.0.0.1:9 was refused.",
                Histories.render("a datagram to {peer} was refused.", null, 0, 0, "127.0.0.1:9"));
        assertEquals("a datagram to the peer was refused.",
                Histories.render("a datagram to {peer} was refused.", null, 0, 0, null));
        String plain = "no placeholder.";
        assertTrue(plain == Histories.render(plain, null, 0, 0, "127.0.0.1:9"));
    }

    /** /proc/net/tcp knows nothing of UDP: a datagram event gets no tcp_state (not "GONE"); a TCP one does. */
    @Test
    void datagramEventsGetNoTcpState() {
        KernelTcp kernel = new KernelTcp();
        if (!kernel.available()) {
            return; // no /proc: nothing is ever looked up
        }
        KernelStateLookup lookup = new KernelStateLookup(kernel);
        Event udp = event("datagram");
        assertTrue(udp == lookup.decorate(udp));
        assertEquals("GONE", lookup.decorate(event("socket")).tcp().state());
    }

    private static Event event(String api) {
        return Event.of(Event.SOCKET_ERROR).at(Instant.now()).errno("ECONNREFUSED", 111)
                .cause("port_unreachable", "exact").call("read", api)
                .exception("java.net.PortUnreachableException", null).ends("127.0.0.1:1", "127.0.0.1:2")
                .texts("d.", "h.").thread("main").sites("x", null).build();
    }
}
