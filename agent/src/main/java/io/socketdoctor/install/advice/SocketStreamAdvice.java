package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * For {@code java.net.Socket$SocketInputStream/$SocketOutputStream}: passes the stream's
 * {@code parent} socket rather than the stream, so the runtime can name both ends.
 */
public final class SocketStreamAdvice {

    private SocketStreamAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("parent") Object socket, @Site int site,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(socket, null, site, thrown);
        }
    }
}
