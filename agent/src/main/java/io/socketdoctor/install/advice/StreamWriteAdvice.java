package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * {@code Socket$SocketOutputStream.write(byte[],int,int)}: the owning socket is the connection;
 * a successful write of {@code len} bytes stamps it.
 */
public final class StreamWriteAdvice {

    private StreamWriteAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("parent") Object socket, @Advice.Argument(2) int len,
                            @Site int site, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(socket, null, site, thrown);
        } else {
            Bridge.wrote(socket, len, site);
        }
    }
}
