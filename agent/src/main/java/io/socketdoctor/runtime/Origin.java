package io.socketdoctor.runtime;

import io.socketdoctor.classify.Library;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a failure came from, read from one stack: the first frame outside the JDK ({@code site},
 * as always), the first frame outside the JDK and the well-known client libraries and the
 * {@code site.skip} packages ({@code app_site}: the application's own code), the innermost client
 * library the call went through (else the library whose thread it ran on), and the knob of the
 * outermost library that has one (a Hikari pool over pgjdbc: Hikari's).
 *
 * @param site    first frame outside the JDK and the agent, or null
 * @param appSite first frame that is the application's, or null
 * @param library name of the client library, or null
 * @param knob    the library setting that keeps pooled connections short-lived, or null
 */
record Origin(String site, String appSite, String library, String knob) {

    static final Origin NONE = new Origin(null, null, null, null);

    /** What each stack is read against: the table's libraries and the option's prefixes. */
    static final class Libraries {
        private final List<Library> libraries;
        private final List<String> skip;
        /**
         * The library of a class, by name; a class of none maps to {@link #NOT_ONE}. Bounded: past
         * {@value #MAX_CACHED} names it is computed each time (a failure path, never the I/O path).
         */
        private final ConcurrentHashMap<String, Library> byClass = new ConcurrentHashMap<>();
        private static final int MAX_CACHED = 4096;
        private static final Library NOT_ONE = new Library("", List.of(), null, null);

        Libraries(List<Library> libraries, List<String> skip) {
            this.libraries = libraries;
            this.skip = skip;
        }

        /** The library owning this class, or null. */
        Library of(String className) {
            if (className.startsWith("java.") || className.startsWith("sun.") || className.startsWith("javax.")) {
                return null; // most frames: no table walk
            }
            Library known = byClass.get(className);
            if (known == null) {
                known = NOT_ONE;
                for (Library library : libraries) {
                    if (library.owns(className)) {
                        known = library;
                        break;
                    }
                }
                if (byClass.size() < MAX_CACHED) {
                    byClass.put(className, known);
                }
            }
            return known == NOT_ONE ? null : known;
        }

        boolean skipped(String className) {
            for (String prefix : skip) {
                if (className.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }

        /** The library whose own thread this is, or null. */
        Library ofThread(String threadName) {
            for (Library library : libraries) {
                if (library.runs(threadName)) {
                    return library;
                }
            }
            return null;
        }
    }

    /** Reads frames innermost first, as a stack trace lists them. */
    static final class Reader {
        private final Libraries libraries;
        private String site;
        private String appSite;
        private Library innermost;
        private Library outermostKnob;

        Reader(Libraries libraries) {
            this.libraries = libraries;
        }

        /** One frame; {@code notTheApplications}: a frame of the JDK or of the agent (see {@link CallSite#isJdkOrAgent}). */
        void frame(String className, boolean notTheApplications, String method, String file, int line) {
            Library library = libraries.of(className);
            if (library != null) {
                if (innermost == null) {
                    innermost = library;
                }
                if (library.knob() != null) {
                    outermostKnob = library;
                }
            }
            if (notTheApplications) {
                return;
            }
            if (site == null) {
                site = CallSite.format(className, method, file, line);
            }
            if (appSite == null && library == null && !libraries.skipped(className)) {
                appSite = CallSite.format(className, method, file, line);
            }
        }

        Origin origin(String threadName) {
            Library library = innermost != null ? innermost : libraries.ofThread(threadName);
            Library knob = outermostKnob != null ? outermostKnob : library;
            return new Origin(site, appSite, library == null ? null : library.name(),
                    knob == null ? null : knob.knob());
        }
    }

    static Origin of(StackTraceElement[] frames, String threadName, Libraries libraries) {
        Reader reader = new Reader(libraries);
        for (StackTraceElement frame : frames) {
            reader.frame(frame.getClassName(), CallSite.isJdkOrAgent(frame), frame.getMethodName(), frame.getFileName(),
                    frame.getLineNumber());
        }
        return reader.origin(threadName);
    }

    /**
     * The origin told by sites kept as text ({@code class.method(File:line)}), for events off the
     * application's thread: the first site in a client library names it (and its knob); else none.
     */
    static Origin ofSites(Libraries libraries, String... sites) {
        for (String site : sites) {
            String className = classOf(site);
            Library library = className == null ? null : libraries.of(className);
            if (library != null) {
                return new Origin(site, null, library.name(), library.knob());
            }
        }
        return NONE;
    }

    /** A site kept as text, if it is the application's own frame; else null. */
    static String appSiteOf(Libraries libraries, String site) {
        String className = classOf(site);
        return className != null && libraries.of(className) == null && !libraries.skipped(className) ? site : null;
    }

    /** The class of a site kept as text ({@code com.acme.Client.send(Client.java:42)}), or null. */
    static String classOf(String site) {
        int paren = site == null ? -1 : site.indexOf('(');
        int dot = paren < 0 ? -1 : site.lastIndexOf('.', paren);
        return dot < 0 ? null : site.substring(0, dot);
    }

    /** This origin, with the other's fields where this one has none (a thrown stack, then the thread's own). */
    Origin or(Origin other) {
        return new Origin(site != null ? site : other.site, appSite != null ? appSite : other.appSite,
                library != null ? library : other.library, knob != null ? knob : other.knob);
    }
}
