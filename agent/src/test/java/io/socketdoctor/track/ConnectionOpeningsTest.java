package io.socketdoctor.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.classify.Api;
import io.socketdoctor.config.Config;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The (API, direction) pairs a connection can be opened with, which are the only
 * {@code socket_doctor_connections_opened_total} series the metrics declare: every hook site that
 * reports an opening, driven through the real {@link Tracker}, reaches exactly the pairs
 * {@link ConnectionStats#canOpen} allows, and those are the six listed here.
 */
class ConnectionOpeningsTest {

    /** What a reader of the hook table finds: connects are clients, accepts servers, by the accepting API. */
    static final List<String> POSSIBLE = List.of("async/client", "async/server", "channel/client",
            "server_channel/server", "server_socket/server", "socket/client");

    @TempDir
    Path dir;

    /** The shapes whose normal return the bridge reports as {@link Bridge#OPENED} (see install.SiteCode). */
    private static final Set<HookSite.Shape> OPENING_SHAPES = EnumSet.of(HookSite.Shape.CONNECT,
            HookSite.Shape.CHANNEL_CONNECT, HookSite.Shape.FINISH_CONNECT, HookSite.Shape.ACCEPT,
            HookSite.Shape.IMPL_ACCEPT);

    private static boolean opens(HookSite site) {
        return OPENING_SHAPES.contains(site.shape()) || site.kind() == Bridge.OPENED
                && (site.shape() == HookSite.Shape.LIFECYCLE || site.shape() == HookSite.Shape.CONSTRUCTED);
    }

    private static String pair(Api api, ConnectionStats.Direction direction) {
        return api.label() + "/" + direction.name().toLowerCase(Locale.ROOT);
    }

    @Test
    void everyOpeningSiteReachesADeclaredPairAndEveryDeclaredPairHasASite() throws Exception {
        ConnectionStats stats = new ConnectionStats();
        Config config = Config.parse("", new Properties(), Map.of());
        Tracker tracker = new Tracker(new ConnectionTable(slots -> { }), stats,
                new KernelTcp(dir.resolve("no-proc"), dir.resolve("no-fd")), config, () -> 1_000L);
        tracker.wire(notice -> { }, connection -> null, () -> { });
        List<String> sites = new ArrayList<>();
        for (HookSite site : HookSites.ALL) {
            if (opens(site)) {
                sites.add(site.describe());
                tracker.onEvent(new Object(), site.api(), site.op(), Bridge.OPENED, null, null, () -> "x", 1_000L);
            }
        }
        assertTrue(sites.size() >= 8, "the opening sites were found: " + sites);

        Set<String> reached = new TreeSet<>();
        Set<String> declared = new TreeSet<>();
        for (Api api : Api.values()) {
            for (ConnectionStats.Direction direction : ConnectionStats.Direction.values()) {
                if (stats.openedCount(api, direction) > 0) {
                    reached.add(pair(api, direction));
                }
                if (ConnectionStats.canOpen(api, direction)) {
                    declared.add(pair(api, direction));
                }
            }
        }
        assertEquals(POSSIBLE, List.copyOf(reached), "the pairs the hook sites open connections with: " + sites);
        assertEquals(POSSIBLE, List.copyOf(declared), "the pairs declared as possible");
    }

    @Test
    void closesAndEndsOfStreamAreCountedOnlyForAnApiThatOpens() {
        Set<String> counted = new TreeSet<>();
        for (Api api : Api.values()) {
            if (ConnectionStats.counts(api)) {
                counted.add(api.label());
            }
        }
        assertEquals(Set.of("async", "channel", "server_channel", "server_socket", "socket"), counted,
                "a connection keeps the API it was opened with: never async_server, datagram or netty");
    }
}
