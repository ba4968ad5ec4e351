package io.socketdoctor.export;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.socketdoctor.classify.Api;
import io.socketdoctor.config.AgentVersion;
import io.socketdoctor.event.ErrorCounts;
import io.socketdoctor.event.Identity;
import io.socketdoctor.track.ConnectionStats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Every meter of the agent, in Micrometer's naming (dots, no {@code .total}); the Prometheus
 * registry renders {@code socket.doctor.errors} as {@code socket_doctor_errors_total}. All are read-through:
 * counters read the event counts' and the session's adders at scrape time, so nothing here runs on an
 * application thread. Every name starts with {@code socket.doctor}, so every series with {@code socket_doctor_}.
 */
final class SocketMeters {

    static final String ERRORS = "socket.doctor.errors";
    static final String WARNINGS = "socket.doctor.warnings";
    static final String OPENED = "socket.doctor.connections.opened";
    static final String CLOSED = "socket.doctor.connections.closed";
    static final String PEER_EOFS = "socket.doctor.peer.eofs";
    static final String CLOSE_WAIT_LEAKS = "socket.doctor.close.wait.leaks";
    static final String TCP_SOCKETS = "socket.doctor.tcp.sockets";
    static final String EVENTS_DROPPED = "socket.doctor.events.dropped";
    static final String HOOKS_MISSING = "socket.doctor.hooks.missing";
    static final String UNTRACKED = "socket.doctor.connections.untracked";
    static final String BUILD_INFO = "socket.doctor.build.info";

    private final MeterRegistry registry;
    private final ErrorCounts counts;
    private final ConnectionStats stats;
    // Held here because Micrometer holds a meter's source object only weakly.
    private final Map<String, LongSupplier> droppedBySink;
    private final IntSupplier hooksMissing;
    private final CensusCache census;
    private final Set<Object> registered = new HashSet<>();

    /**
     * Every meter of the agent on {@code registry}, which may be any Micrometer registry (the
     * Prometheus endpoint's, or another that publishes the same meters elsewhere): {@code commonTags}
     * ({@code metrics.tags}) go on every series, build info included, so they are set on the
     * registry before the first meter. Reads {@code /proc} for the census only where it exists.
     *
     * @return the meters, whose {@link #sync} must run before each scrape or publish
     */
    static SocketMeters bind(MeterRegistry registry, MetricsSource source, Map<String, String> commonTags) {
        List<Tag> tags = new ArrayList<>(commonTags.size());
        commonTags.forEach((name, value) -> tags.add(Tag.of(name, value)));
        registry.config().commonTags(tags);
        CensusCache census = source.kernel().available()
                ? new CensusCache(source.kernel()::census, System::nanoTime) : null;
        return new SocketMeters(registry, source.counts(), source.stats(), source.droppedEvents(),
                source::missingHookPoints, census);
    }

    /**
     * @param droppedBySink events each sink dropped, by the value of the {@code sink} tag
     * @param census        null where there is no {@code /proc}: then there is no census gauge at all
     *                      rather than one that says zero
     */
    SocketMeters(MeterRegistry registry, ErrorCounts counts, ConnectionStats stats,
                 Map<String, LongSupplier> droppedBySink, IntSupplier hooksMissing, CensusCache census) {
        this.registry = registry;
        this.counts = counts;
        this.stats = stats;
        this.droppedBySink = Map.copyOf(droppedBySink);
        this.hooksMissing = hooksMissing;
        this.census = census;
        bindConnections();
        bindHealth();
        if (census != null) {
            for (String state : CensusCache.STATES) {
                Gauge.builder(TCP_SOCKETS, census, c -> c.count(state)).strongReference(true)
                        .description("This JVM's own TCP sockets by kernel state (from /proc, at most "
                                + CensusCache.TTL_SECONDS + " s old)")
                        .tag("state", state).register(registry);
            }
        }
        sync();
    }

    /** The {@code jdk} tag of the build info: the feature release the agent runs on ("17", "25"). */
    static String jdk() {
        return Integer.toString(Runtime.version().feature());
    }

    private void bindConnections() {
        for (Api api : Api.values()) {
            if (!ConnectionStats.counts(api)) {
                continue; // no series that could only ever read 0
            }
            for (ConnectionStats.Direction direction : ConnectionStats.Direction.values()) {
                if (!ConnectionStats.canOpen(api, direction)) {
                    continue; // an accepting socket never connects, an accepted one is its server's
                }
                FunctionCounter.builder(OPENED, stats, s -> s.openedCount(api, direction))
                        .description("Connections this JVM opened, by API and direction (client: it connected,"
                                + " server: it accepted)")
                        .tags("api", api.label(), "direction", direction.name().toLowerCase(Locale.ROOT))
                        .register(registry);
            }
            FunctionCounter.builder(CLOSED, stats, s -> s.closedCount(api))
                    .description("Connections this JVM closed, by API").tag("api", api.label()).register(registry);
            FunctionCounter.builder(PEER_EOFS, stats, s -> s.peerEofCount(api))
                    .description("Reads that returned end of stream: the peer closed its side, by API")
                    .tag("api", api.label()).register(registry);
        }
        // Both sources count the same leaks: the tracker's counter is exact even when the event
        // queue overflowed; the events count them where that counter is not wired.
        FunctionCounter.builder(CLOSE_WAIT_LEAKS, this, m -> Math.max(m.stats.closeWaitLeakCount(),
                        m.counts.closeWaitLeakEvents()))
                .description("Connections left in CLOSE_WAIT: the peer closed, this JVM still holds them open")
                .register(registry);
    }

    private void bindHealth() {
        for (String sink : droppedBySink.keySet()) {
            FunctionCounter.builder(EVENTS_DROPPED, this, m -> m.droppedBySink.get(sink).getAsLong())
                    .description("Events dropped, by sink (queue: the agent's event queue was full; the exceptions"
                            + " were still enriched)")
                    .tag("sink", sink).register(registry);
        }
        FunctionCounter.builder(UNTRACKED, this, m -> m.stats.untrackedCount())
                .description("Connections the history table had no room for (still diagnosed, without history)")
                .register(registry);
        Gauge.builder(HOOKS_MISSING, this, m -> m.hooksMissing.getAsInt()).strongReference(true)
                .description("JDK methods the agent could not instrument on this JVM: their failures go undiagnosed")
                .register(registry);
        Gauge.builder(BUILD_INFO, () -> 1.0).strongReference(true)
                .description("Always 1: the agent's version and the JDK's feature release it runs on, as tags")
                .tags("version", AgentVersion.of(), "jdk", jdk()).register(registry);
    }

    /** Registers the series that events created since the last call; call before every scrape. */
    synchronized void sync() {
        for (Map.Entry<ErrorCounts.Series, LongAdder> e : counts.series(ErrorCounts.Kind.ERROR).entrySet()) {
            ErrorCounts.Series k = e.getKey();
            if (registered.add(k)) {
                FunctionCounter.Builder<LongAdder> counter = FunctionCounter.builder(ERRORS, e.getValue(),
                                LongAdder::doubleValue)
                        .description("Socket failures diagnosed, by errno (none: the JDK's own error without"
                                + " errno; unknown: no rule matched), cause (the rule's id), operation and API")
                        .tags("errno", k.errno(), "cause", k.cause(), "op", k.op(), "api", k.api());
                register(counter, k.peer());
            }
        }
        for (Map.Entry<ErrorCounts.Series, LongAdder> e : counts.series(ErrorCounts.Kind.WARNING).entrySet()) {
            ErrorCounts.Series k = e.getKey();
            if (registered.add(k)) {
                FunctionCounter.Builder<LongAdder> counter = FunctionCounter.builder(WARNINGS, e.getValue(),
                                LongAdder::doubleValue)
                        .description("Writes accepted on a connection the peer had already reset or closed, by kind")
                        .tags("kind", k.type(), "api", k.api());
                register(counter, k.peer());
            }
        }
    }

    private void register(FunctionCounter.Builder<LongAdder> counter, String peer) {
        if (peer != null) {
            counter.tag("peer", peer);
        }
        counter.register(registry);
    }
}
