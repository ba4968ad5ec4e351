package io.socketdoctor.track;

import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventSink;

/**
 * Adds the kernel's TCP state to events as the writer thread writes them: never on the
 * application's thread (reading /proc/net/tcp costs milliseconds on a busy host). At most
 * {@value #PER_SECOND} lookups a second; events beyond that, or without both addresses, simply
 * carry no state: absent, never guessed. The state is the one seen when the event is written,
 * moments after the failure.
 */
public final class KernelStateLookup implements EventSink.Decorator {

    static final int PER_SECOND = 20;

    private final KernelTcp kernel;
    private long windowStart;
    private int inWindow;

    public KernelStateLookup(KernelTcp kernel) {
        this.kernel = kernel;
    }

    @Override
    public Event decorate(Event event) {
        if (event.tcp() != null || event.local() == null || event.remote() == null || !kernel.available()) {
            return event;
        }
        long now = System.currentTimeMillis();
        if (now - windowStart >= 1000 || now < windowStart) {
            windowStart = now;
            inWindow = 0;
        }
        if (++inWindow > PER_SECOND) {
            return event;
        }
        KernelTcp.Row row = kernel.find(event.local(), event.remote());
        if (row == null) {
            return event;
        }
        return event.withTcp(row == KernelTcp.GONE ? new Event.TcpState(row.state(), null, null)
                : new Event.TcpState(row.state(), row.sendQueue(), row.receiveQueue()));
    }
}
