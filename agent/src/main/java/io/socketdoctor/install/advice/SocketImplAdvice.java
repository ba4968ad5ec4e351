package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * For {@code sun.nio.ch.NioSocketImpl}, which serves both {@code Socket} and {@code ServerSocket}:
 * passes its {@code server} flag (as a constant {@code Boolean}, no allocation) so the runtime can
 * tell the two APIs apart.
 */
public final class SocketImplAdvice {

    private SocketImplAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Advice.FieldValue("server") boolean server,
                            @Site int site, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(self, server ? Boolean.TRUE : Boolean.FALSE, site, thrown);
        }
    }
}
