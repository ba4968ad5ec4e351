package io.socketdoctor.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * For the configurations with {@code otlp}: an OTLP/HTTP endpoint on loopback that reads every
 * request and answers 200, as a healthy collector does, for the whole benchmark. Started only
 * when a configuration names {@code {collector}}.
 */
final class CollectorStandIn {

    private static HttpServer server;

    private CollectorStandIn() {
    }

    static synchronized String url() throws IOException {
        if (server == null) {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 50);
            server.createContext("/", exchange -> {
                try (exchange; InputStream in = exchange.getRequestBody()) {
                    in.readAllBytes();
                    exchange.sendResponseHeaders(200, -1);
                }
            });
            server.start();
        }
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Its dispatcher thread is not a daemon: the driver stops it before it returns. */
    static synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }
}
