package io.socketdoctor.classify;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A well-known client library (part 4 of the table): its frames are not the application's, and
 * its name tells an on-call engineer which client failed when no application frame is on the stack.
 *
 * @param name     as the event's {@code library} field shows it, e.g. {@code okhttp}
 * @param packages class-name prefixes of its frames, e.g. {@code okhttp3.}
 * @param threads  the names of its own threads (found anywhere in the name), or null
 * @param knob     its setting that keeps pooled connections shorter-lived than the peer's idle timeout, or null
 */
public record Library(String name, List<String> packages, Pattern threads, String knob) {

    /** Whether a frame of this class belongs to the library. */
    public boolean owns(String className) {
        for (String prefix : packages) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a thread of this name is one of the library's own. */
    public boolean runs(String threadName) {
        return threads != null && threadName != null && threads.matcher(threadName).find();
    }
}
