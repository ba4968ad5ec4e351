package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * Blocking connects ({@code Socket.connect}, the adaptor's {@code blockingConnect}): a return means
 * connected. The address argument names the remote end of a failed connect.
 */
public final class ConnectAdvice {

    private ConnectAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Advice.Argument(0) Object address, @Site int site,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(self, address, site, thrown);
        } else {
            Bridge.event(self, address, site, Bridge.OPENED);
        }
    }
}
