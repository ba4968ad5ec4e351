package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * Channel accepts, which return the accepted channel (null when a non-blocking accept found none).
 */
public final class AcceptAdvice {

    private AcceptAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object server, @Advice.Return Object accepted, @Site int site,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(server, null, site, thrown);
        } else if (accepted != null) {
            Bridge.event(accepted, server, site, Bridge.OPENED);
        }
    }
}
