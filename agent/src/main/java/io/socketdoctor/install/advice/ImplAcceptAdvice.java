package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * {@code ServerSocket.implAccept(Socket)}, which every {@code ServerSocket.accept} (and the subclasses'
 * accept) goes through: on return its argument is the accepted, connected socket.
 */
public final class ImplAcceptAdvice {

    private ImplAcceptAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object server, @Advice.Argument(0) Object accepted, @Site int site,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(server, null, site, thrown);
        } else {
            Bridge.event(accepted, server, site, Bridge.OPENED);
        }
    }
}
