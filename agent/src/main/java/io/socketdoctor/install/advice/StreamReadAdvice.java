package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * {@code Socket$SocketInputStream.read}: the owning socket ({@code parent}) is the connection;
 * a successful read stamps it, -1 reports the peer's EOF.
 */
public final class StreamReadAdvice {

    private StreamReadAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("parent") Object socket, @Advice.Return int n,
                            @Site int site, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(socket, null, site, thrown);
        } else {
            Bridge.read(socket, n, site);
        }
    }
}
