package io.socketdoctor.runtime;

import io.socketdoctor.config.Config;
import java.lang.invoke.VarHandle;

/**
 * Attaches the diagnosis to the exception the application will see, without changing its type,
 * identity or (by default) its message.
 *
 * <p>{@code suppressed}: a plain {@code java.lang.Throwable} carrying the diagnosis is added as a
 * suppressed exception, so every logged stack trace shows a "Suppressed:" line, and serialisation
 * or class loading elsewhere never meets a class of ours. {@code message}: the diagnosis is
 * appended to the message (opt-in: it changes {@code getMessage()}).
 */
final class Enricher {

    private static final StackTraceElement[] NO_FRAMES = new StackTraceElement[0];

    private final Config.Enrich mode;
    private final VarHandle detailMessage;

    /** @param detailMessage {@code Throwable.detailMessage}; needed only for {@code message} */
    Enricher(Config.Enrich mode, VarHandle detailMessage) {
        this.mode = mode;
        this.detailMessage = detailMessage;
    }

    /** Only the text the mode needs is made. */
    void enrich(Throwable thrown, io.socketdoctor.event.Event event) {
        switch (mode) {
            case SUPPRESSED -> {
                Throwable note = new Throwable(io.socketdoctor.event.EventText.note(event));
                note.setStackTrace(NO_FRAMES);
                thrown.addSuppressed(note);
            }
            case MESSAGE -> {
                String message = (String) detailMessage.get(thrown);
                String tag = io.socketdoctor.event.EventText.tag(event);
                detailMessage.set(thrown, message == null ? tag : message + " " + tag);
            }
            case OFF -> {
            }
        }
    }
}
