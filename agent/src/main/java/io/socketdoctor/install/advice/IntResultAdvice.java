package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * Channel reads and writes that return an {@code int} byte count ({@code read(ByteBuffer)},
 * {@code write(ByteBuffer)}, the adaptor's {@code blockingRead}). {@link Kind} says which: a
 * constant, so the JIT keeps only one branch.
 */
public final class IntResultAdvice {

    private IntResultAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object channel, @Advice.Return int n, @Site int site, @Kind int kind,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(channel, null, site, thrown);
        } else if (kind == Bridge.READ_DONE) {
            Bridge.read(channel, n, site);
        } else {
            Bridge.wrote(channel, n, site);
        }
    }
}
