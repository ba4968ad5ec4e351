package io.socketdoctor.runtime;

/** Finds the application's frame in an exception's stack trace. */
final class CallSite {

    private CallSite() {
    }

    /** Frames fetched in batches of 16: an EOF is usually that deep below the application's frame. */
    private static final StackWalker WALKER = StackWalker.getInstance(java.util.Set.of(), 16);

    /**
     * The application's frame that led to the current call (for an EOF or a warning, where there
     * is no exception): a StackWalker stops at it, where a {@code new Throwable()} would capture
     * and copy the whole stack.
     */
    static String ofCurrentThread() {
        return WALKER.walk(FirstApplicationFrame.INSTANCE);
    }

    /** A class, not a lambda: nothing to link on the first EOF. */
    private static final class FirstApplicationFrame
            implements java.util.function.Function<java.util.stream.Stream<StackWalker.StackFrame>, String> {
        static final FirstApplicationFrame INSTANCE = new FirstApplicationFrame();

        @Override
        public String apply(java.util.stream.Stream<StackWalker.StackFrame> frames) {
            java.util.Iterator<StackWalker.StackFrame> it = frames.iterator();
            while (it.hasNext()) {
                StackWalker.StackFrame frame = it.next();
                String c = frame.getClassName();
                if (!isJdkClass(c) && !isAgent(c)) {
                    return format(c, frame.getMethodName(), frame.getFileName(), frame.getLineNumber());
                }
            }
            return null;
        }
    }

    static boolean isJdkClass(String c) {
        return c.startsWith("java.") || c.startsWith("javax.") || c.startsWith("jdk.") || c.startsWith("sun.")
                || c.startsWith("com.sun.");
    }

    /**
     * For a failure inside a library's transport (Netty's native ones, whose exceptions often carry
     * no stack trace): the first frame of the failure (else of the current thread) outside the JDK,
     * the agent and the library's own packages ({@code marker}, e.g. {@code "io.netty."}), which on
     * an event-loop thread does not exist; then the first library frame outside {@code internal}
     * (the transport method that failed, e.g. {@code AbstractEpollStreamChannel$EpollStreamUnsafe.epollInReady}).
     */
    static String ofLibrary(Throwable thrown, String marker, String internal) {
        StackTraceElement[] frames = thrown.getStackTrace();
        if (frames.length == 0) {
            frames = new Throwable().getStackTrace();
        }
        StackTraceElement library = null;
        for (StackTraceElement frame : frames) {
            if (isJdkOrAgent(frame)) {
                continue;
            }
            String c = frame.getClassName();
            if (!c.contains(marker)) {
                return format(frame);
            }
            if (library == null && !c.contains(internal)) {
                library = frame;
            }
        }
        return library == null ? null : format(library);
    }

    private static String format(StackTraceElement frame) {
        return format(frame.getClassName(), frame.getMethodName(), frame.getFileName(), frame.getLineNumber());
    }

    /** {@code class.method(File.java:line)}, as in a stack trace. */
    static String format(String className, String method, String file, int line) {
        return className + "." + method + "(" + (file == null ? "Unknown Source" : file)
                + (line >= 0 ? ":" + line : "") + ")";
    }

    /** The first frame outside the JDK (and outside the agent), as {@code class.method(File.java:line)}. */
    static String of(Throwable thrown) {
        for (StackTraceElement frame : thrown.getStackTrace()) {
            if (!isJdkOrAgent(frame)) {
                return format(frame);
            }
        }
        return null;
    }

    static boolean isJdkOrAgent(StackTraceElement frame) {
        String module = frame.getModuleName();
        if (module != null && (module.startsWith("java.") || module.startsWith("jdk."))) {
            return true;
        }
        String c = frame.getClassName();
        return isJdkClass(c) || isAgent(c);
    }

    /** The agent's own packages (not every io.socketdoctor package: the demo lives there too). */
    private static final String[] AGENT_PACKAGES = {"io.socketdoctor.agent.", "io.socketdoctor.bootstrap.",
        "io.socketdoctor.classify.", "io.socketdoctor.cli.", "io.socketdoctor.config.", "io.socketdoctor.event.",
        "io.socketdoctor.export.", "io.socketdoctor.hook.", "io.socketdoctor.install.", "io.socketdoctor.otlp.", "io.socketdoctor.runtime.",
        "io.socketdoctor.shaded.",
        "io.socketdoctor.track."};

    /**
     * The origin of what the current thread is doing (for an EOF or a warning, where there is no
     * exception): a walk of the whole stack, bounded by its depth; only on those rare paths.
     */
    static Origin originOfCurrentThread(Origin.Libraries libraries) {
        return StackWalker.getInstance(java.util.Set.of(), 64).walk(new ReadOrigin(libraries));
    }

    /** A class, not a lambda: nothing to link on the first notice. */
    private static final class ReadOrigin
            implements java.util.function.Function<java.util.stream.Stream<StackWalker.StackFrame>, Origin> {
        private final Origin.Libraries libraries;

        ReadOrigin(Origin.Libraries libraries) {
            this.libraries = libraries;
        }

        @Override
        public Origin apply(java.util.stream.Stream<StackWalker.StackFrame> frames) {
            Origin.Reader reader = new Origin.Reader(libraries);
            java.util.Iterator<StackWalker.StackFrame> it = frames.iterator();
            for (int depth = 0; it.hasNext() && depth < 1024; depth++) {
                StackWalker.StackFrame frame = it.next();
                String c = frame.getClassName();
                reader.frame(c, isJdkClass(c) || isAgent(c), frame.getMethodName(), frame.getFileName(),
                        frame.getLineNumber());
            }
            return reader.origin(Thread.currentThread().getName());
        }
    }

    static boolean isAgent(String className) {
        if (!className.startsWith("io.socketdoctor.")) {
            return false;
        }
        for (String p : AGENT_PACKAGES) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** The current thread's name, or its {@code toString()} when the name is empty. */
    static String currentThreadName() {
        Thread t = Thread.currentThread();
        String name = t.getName();
        return name.isEmpty() ? t.toString() : name;
    }
}
