package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * For methods of sockets and channels: on a throw, hand the instance and the exception to the
 * bridge. The success path only gains an exception-table entry: no call, no allocation.
 * Inlined into the JDK; its reference to {@link Bridge} is renamed at install.
 */
public final class ErrorAdvice {

    private ErrorAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Site int site, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(self, null, site, thrown);
        }
    }
}
