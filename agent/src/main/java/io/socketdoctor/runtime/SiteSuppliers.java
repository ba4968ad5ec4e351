package io.socketdoctor.runtime;

import io.socketdoctor.track.CapturedSite;
import io.socketdoctor.track.Tracker;

/**
 * How the tracker gets a call site when it keeps one (an open, an EOF, a warning): classes, not
 * method references, so that nothing is linked on the first use.
 */
final class SiteSuppliers {

    private SiteSuppliers() {
    }

    /** The application's frame that led here (for EOF and warning sites): a short stack walk, only when asked. */
    static final class StackSite implements Tracker.CallSiteSupplier {
        static final StackSite INSTANCE = new StackSite();

        @Override
        public String get() {
            return CallSite.ofCurrentThread();
        }

        /** For an EOF: the bare stack now (cheaper than walking to the frame), the text if ever needed. */
        @Override
        public CapturedSite capture() {
            return new CapturedSite(new Throwable(), ThrownSiteResolver.INSTANCE);
        }
    }

    /** Turns a captured stack into its site text, when it is needed. */
    static final class ThrownSiteResolver implements CapturedSite.Resolver {
        static final ThrownSiteResolver INSTANCE = new ThrownSiteResolver();

        @Override
        public String resolve(Throwable stack) {
            return CallSite.of(stack);
        }
    }

    /** The application's frame of a failing call: from the exception's own stack trace. */
    static final class ThrownSite implements Tracker.CallSiteSupplier {
        private final Throwable thrown;

        ThrownSite(Throwable thrown) {
            this.thrown = thrown;
        }

        @Override
        public String get() {
            return CallSite.of(thrown);
        }
    }
}
