package io.socketdoctor.runtime;

import java.util.concurrent.locks.LockSupport;

/**
 * TEST ONLY, never documented as an option: the system property {@value #PROPERTY} ({@code throw},
 * {@code stackoverflow}, {@code oom} or {@code block}) makes every handler call (not the warm-up)
 * fail that way, so the integration tests can prove that a broken agent does not break the host.
 * Read once, at install. Deliberately outside the {@code socketdoctor.} prefix, so it is not an
 * {@code Option} and users never see it. Loaded only when the property is set.
 */
final class TestFault {

    static final String PROPERTY = "io.socketdoctor.test.fault";
    /** How long the {@code block} fault blocks: longer than {@link HandlerGuard#SLOW_HANDLER_NANOS}. */
    static final long BLOCK_NANOS = 6_000_000_000L;

    private TestFault() {
    }

    /** Fails the way {@code fault} (the property's value) says. */
    static void fail(String fault, String where) {
        switch (fault) {
            case "throw":
                throw new IllegalStateException("socket-doctor test fault in " + where);
            case "stackoverflow":
                recurse(0);
                return;
            case "oom":
                // A real OutOfMemoryError from the VM, without filling the heap the host shares.
                long[] huge = new long[Integer.MAX_VALUE - 2];
                huge[0] = 1;
                return;
            case "block":
                long deadline = System.nanoTime() + BLOCK_NANOS;
                for (long left = BLOCK_NANOS; left > 0; left = deadline - System.nanoTime()) {
                    LockSupport.parkNanos(left); // keeps the interrupt flag
                }
                return;
            default:
                return;
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }
}
