package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * Scattering reads and gathering writes of a channel, which return a {@code long} byte count.
 * {@link Kind} says which: a constant, so the JIT keeps only one branch.
 */
public final class LongResultAdvice {

    private LongResultAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object channel, @Advice.Return long n, @Site int site, @Kind int kind,
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
