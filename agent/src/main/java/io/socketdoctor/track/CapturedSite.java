package io.socketdoctor.track;

/**
 * A call site kept as the bare stack of a {@code Throwable} (filled in by the VM, no frame
 * resolved: about a microsecond) and turned into text only when something needs it: a write
 * after the EOF, a leak report. Most connections that read an EOF close moments later and never
 * pay for the text; the tracker resolves the rest within a sweep, so no stack is kept for long.
 */
public final class CapturedSite {

    /** Turns a captured stack into the application's frame, {@code class.method(File.java:line)}. */
    public interface Resolver {
        String resolve(Throwable stack);
    }

    private final Resolver resolver;
    private volatile Throwable stack;
    private volatile String text;

    public CapturedSite(Throwable stack, Resolver resolver) {
        this.stack = stack;
        this.resolver = resolver;
    }

    /** A site already known as text. */
    public static CapturedSite of(String text) {
        CapturedSite site = new CapturedSite(null, null);
        site.text = text;
        return site;
    }

    /** Whether the text is known (no stack kept any longer). */
    boolean resolved() {
        return text != null || stack == null;
    }

    /** The same text as this site's, as one string kept for many sites. */
    void share(String same) {
        if (same.equals(text)) {
            text = same;
        }
    }

    /** The site as text, resolved on first use; null if it has none. */
    public String text() {
        String t = text;
        if (t != null) {
            return t;
        }
        Throwable s = stack;
        if (s == null) {
            return text; // resolved meanwhile by another thread (text is set before the stack is dropped)
        }
        t = resolver.resolve(s);
        text = t;
        stack = null;
        return t;
    }
}
