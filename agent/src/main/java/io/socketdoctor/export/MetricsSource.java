package io.socketdoctor.export;

import io.socketdoctor.event.ErrorCounts;
import io.socketdoctor.track.ConnectionStats;
import io.socketdoctor.track.KernelTcp;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What the meters read of a running agent, and nothing more: the session implements it and hands
 * itself over as this, so the exporter depends on the counters it shows and never on the session
 * (which builds the exporter: the other way round would be a circle). Read at scrape time, on the
 * endpoint's threads.
 */
public interface MetricsSource {

    /** Every event written so far, by series: {@code socket_doctor_errors_total}, {@code socket_doctor_warnings_total}, leaks. */
    ErrorCounts counts();

    /** Connections opened, closed, EOFs, leaks found by the tracker, connections untracked. */
    ConnectionStats stats();

    /** The kernel's tables, for the census of this JVM's sockets by state. */
    KernelTcp kernel();

    /** Events dropped because the sink's queue was full. */
    long eventsDropped();

    /**
     * Events dropped, by the {@code sink} tag of {@code socket_doctor_events_dropped_total}:
     * {@code queue} is the agent's event queue. A sink that can drop events too (an exporter with a
     * buffer of its own) is one more entry here, read at every scrape or publish.
     */
    default Map<String, LongSupplier> droppedEvents() {
        return Map.of("queue", this::eventsDropped);
    }

    /** JDK hook points not instrumented on this JVM. */
    int missingHookPoints();
}
