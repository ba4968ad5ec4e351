package io.socketdoctor.demo;

import java.util.List;
import java.util.concurrent.Callable;

/** A named scenario: a one-line description and the method of {@link Scenarios} that runs it. */
record Scenario(String name, String description, Callable<Result> body) {

    /** Every scenario, in the order a full run executes them. */
    static final List<Scenario> ALL = List.of(
            new Scenario("reset-during-read",
                    "peer closes with SO_LINGER 0 (RST), then we read", Scenarios::resetDuringRead),
            new Scenario("write-after-peer-close",
                    "peer closes normally (FIN), we keep writing", Scenarios::writeAfterPeerClose),
            new Scenario("write-after-reset",
                    "peer resets the connection (RST), then we write", Scenarios::writeAfterReset),
            new Scenario("connection-refused",
                    "Socket.connect to a port where nobody listens", Scenarios::connectionRefused),
            new Scenario("read-timeout",
                    "read with SO_TIMEOUT 200 ms from a peer that never writes", Scenarios::readTimeout),
            new Scenario("connect-timeout",
                    "connect with 300 ms timeout to a listener whose accept queue is full", Scenarios::connectTimeout),
            new Scenario("accept-timeout",
                    "accept with SO_TIMEOUT 100 ms when nobody connects", Scenarios::acceptTimeout),
            new Scenario("use-after-close",
                    "write to a socket's OutputStream after closing the socket", Scenarios::useAfterClose),
            new Scenario("channel-closed",
                    "read from a SocketChannel we closed", Scenarios::channelClosed),
            new Scenario("closed-by-interrupt",
                    "interrupt a thread blocked in SocketChannel.read", Scenarios::closedByInterrupt),
            new Scenario("async-close",
                    "close a SocketChannel while another thread is blocked reading it", Scenarios::asyncClose),
            new Scenario("closed-by-interrupt-virtual",
                    "interrupt a virtual thread blocked in Socket read (JDK 21+)", Scenarios::closedByInterruptVirtual),
            new Scenario("address-in-use",
                    "bind a second ServerSocket to an address already bound", Scenarios::addressInUse),
            new Scenario("unsupported-option",
                    "set IP_MULTICAST_LOOP on a TCP Socket", Scenarios::unsupportedOption),
            new Scenario("channel-reset-during-read",
                    "peer resets (RST), then we read from a SocketChannel", Scenarios::channelResetDuringRead),
            new Scenario("channel-write-after-reset",
                    "peer resets (RST), then we write to a SocketChannel", Scenarios::channelWriteAfterReset),
            new Scenario("channel-write-after-shutdown",
                    "write to a SocketChannel after shutdownOutput", Scenarios::channelWriteAfterShutdown),
            new Scenario("socket-write-after-shutdown",
                    "write to a Socket's OutputStream after shutdownOutput", Scenarios::socketWriteAfterShutdown),
            new Scenario("channel-connection-refused",
                    "SocketChannel.connect to a port where nobody listens", Scenarios::channelConnectionRefused),
            new Scenario("server-channel-accept-closed",
                    "accept on a ServerSocketChannel we closed", Scenarios::serverChannelAcceptClosed),
            new Scenario("async-reset-during-read",
                    "peer resets (RST), then we read from an AsynchronousSocketChannel (CompletionHandler)",
                    Scenarios::asyncResetDuringRead),
            new Scenario("async-write-after-reset",
                    "peer resets (RST), then we write to an AsynchronousSocketChannel (Future)",
                    Scenarios::asyncWriteAfterReset),
            new Scenario("udp",
                    "DatagramChannel connected to a port where nobody listens: send, then receive", Scenarios::udp),
            new Scenario("udp-socket",
                    "the same with a connected DatagramSocket", Scenarios::udpSocket),
            new Scenario("tls-reset-during-handshake",
                    "TLS client; the server reads our ClientHello and resets (RST)", Scenarios::tlsResetDuringHandshake),
            new Scenario("too-many-open-files",
                    "open ServerSocketChannels until the open-file limit (needs ulimit -n <= 4096)",
                    Scenarios::tooManyOpenFiles),
            // With history (best with idle.after=1s,closewait.after=1s, as scripts/demo.sh runs them)
            new Scenario("write-after-eof",
                    "peer closes, we read EOF and write anyway, twice (the seed article's EPIPE)",
                    HistoryScenarios::writeAfterEof),
            new Scenario("write-after-reset-seen",
                    "a read fails with a reset, then we write on the same socket", HistoryScenarios::writeAfterResetSeen),
            new Scenario("reset-after-idle",
                    "connection idle for 1.3 s, then the peer resets it and we read", HistoryScenarios::resetAfterIdle),
            new Scenario("stale-pooled-connection",
                    "peer closes an idle connection; we send a request and read EOF", HistoryScenarios::stalePooledConnection),
            new Scenario("close-wait-leak",
                    "peer closes, we read EOF and keep the socket open for 2.6 s", HistoryScenarios::closeWaitLeak),
            new Scenario("reset-on-fresh-accept",
                    "a client aborts while queued; we accept and read", HistoryScenarios::resetOnFreshAccept));

    static Scenario named(String name) {
        for (Scenario scenario : ALL) {
            if (scenario.name().equals(name)) {
                return scenario;
            }
        }
        return null;
    }
}
