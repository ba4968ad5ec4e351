package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * Like {@link ErrorWithArgumentAdvice}, for methods whose address is the second argument:
 * {@code DatagramChannel.send(ByteBuffer, SocketAddress)}, where the target of an unconnected
 * channel exists only in the argument. Failures only: a successful send gains no code but an
 * exception-table entry.
 */
public final class ErrorWithSecondArgumentAdvice {

    private ErrorWithSecondArgumentAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Advice.Argument(1) Object argument,
                            @Site int site, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(self, argument, site, thrown);
        }
    }
}
