package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * Like {@link ErrorAdvice}, and also passes the method's first argument (the address of a
 * {@code connect}/{@code bind}, the option of a {@code setOption}): a failed connect has no
 * remote address on the socket yet, only in the argument.
 */
public final class ErrorWithArgumentAdvice {

    private ErrorWithArgumentAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Advice.Argument(0) Object argument,
                            @Site int site, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(self, argument, site, thrown);
        }
    }
}
