package io.socketdoctor.otlp;

import java.net.HttpURLConnection;
import java.util.concurrent.TimeUnit;

/**
 * Ends an OTLP request that outlives its deadline. A socket write has no timeout in Java: a
 * collector that accepts connections but stops reading would otherwise hold the exporter's
 * thread for good, and with it every later export. This thread sleeps until a request is under
 * way, then until its deadline, and disconnects it (closing the socket wakes the blocked write).
 * At exit or detach the request in hand is ended at once, so the last round has its whole budget.
 */
final class RequestWatchdog implements Runnable {

    private HttpURLConnection inFlight;
    private long deadlineNanos;
    private boolean stopped;
    /** After {@link #expireNow}: a request of the normal loop that starts late is ended at once too. */
    private boolean stopping;
    private boolean finalRound;

    /** The request now on the wire, to be disconnected at {@code deadlineNanos} ({@link System#nanoTime}). */
    synchronized void begin(HttpURLConnection connection, long deadlineNanos) {
        this.inFlight = connection;
        this.deadlineNanos = stopping && !finalRound ? System.nanoTime() : deadlineNanos;
        notifyAll();
    }

    synchronized void end() {
        inFlight = null;
        notifyAll();
    }

    /** Ends the request in hand now: its sender sees an I/O error. */
    synchronized void expireNow() {
        stopping = true;
        deadlineNanos = System.nanoTime();
        notifyAll();
    }

    /** From here on the requests are the last round's, with deadlines of their own. */
    synchronized void finalRound() {
        finalRound = true;
    }

    synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    @Override
    public synchronized void run() {
        while (!stopped) {
            try {
                if (inFlight == null) {
                    wait();
                    continue;
                }
                long left = deadlineNanos - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                    continue;
                }
                inFlight.disconnect();
                inFlight = null;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                inFlight = null; // a connection that cannot be closed: nothing more to do about it
            }
        }
    }
}
