package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * {@code SocketChannel.connect}: {@code true} means connected now; {@code false} (non-blocking)
 * leaves it to {@code finishConnect}.
 */
public final class ChannelConnectAdvice {

    private ChannelConnectAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object channel, @Advice.Argument(0) Object address,
                            @Advice.Return boolean connected, @Site int site, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(channel, address, site, thrown);
        } else if (connected) {
            Bridge.event(channel, address, site, Bridge.OPENED);
        }
    }
}
