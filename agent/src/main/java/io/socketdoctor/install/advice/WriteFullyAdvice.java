package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * The socket adaptor's {@code blockingWriteFully(byte[],int,int)}: all {@code len} bytes or a throw.
 */
public final class WriteFullyAdvice {

    private WriteFullyAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object channel, @Advice.Argument(2) int len, @Site int site,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(channel, null, site, thrown);
        } else {
            Bridge.wrote(channel, len, site);
        }
    }
}
