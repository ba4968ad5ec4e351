package io.socketdoctor.it.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * For OtlpIT: prints its pid, makes {@code resets} loopback connections fail by a peer reset
 * while reading and {@code refused} connects fail, prints how long the failures took, then
 * lingers {@code lingerMillis} and exits (the agent's last OTLP round happens at exit).
 */
public final class OtlpProbe {

    private OtlpProbe() {
    }

    public static void main(String[] args) throws Exception {
        int resets = Integer.parseInt(args[0]);
        int refused = Integer.parseInt(args[1]);
        long lingerMillis = Long.parseLong(args[2]);
        System.out.println("pid=" + ProcessHandle.current().pid());
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        long start = System.nanoTime();
        int failures = 0;
        try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
            for (int i = 0; i < resets; i++) {
                try (Socket client = new Socket(loopback, server.getLocalPort()); Socket accepted = server.accept()) {
                    accepted.setSoLinger(true, 0);
                    accepted.close();
                    client.setSoTimeout(5_000);
                    client.getInputStream().read();
                } catch (IOException e) {
                    failures++;
                }
            }
        }
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, loopback)) {
            port = closed.getLocalPort();
        }
        for (int i = 0; i < refused; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(loopback, port), 2_000);
            } catch (IOException e) {
                failures++;
            }
        }
        System.out.println("failures=" + failures);
        System.out.println("failing_ms=" + (System.nanoTime() - start) / 1_000_000);
        Thread.sleep(lingerMillis);
        System.out.println("done");
    }
}
