package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * {@code SocketChannel.finishConnect}: {@code true} means the connection is established.
 */
public final class FinishConnectAdvice {

    private FinishConnectAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object channel, @Advice.Return boolean connected, @Site int site,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(channel, null, site, thrown);
        } else if (connected) {
            Bridge.event(channel, null, site, Bridge.OPENED);
        }
    }
}
