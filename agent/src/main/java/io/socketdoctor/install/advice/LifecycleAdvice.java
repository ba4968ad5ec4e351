package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * {@code close}, {@code shutdownOutput}, {@code shutdownInput}: report the event the site is bound to
 * ({@link Kind}); a close counts as closed even when it threw.
 */
public final class LifecycleAdvice {

    private LifecycleAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Site int site, @Kind int kind,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Bridge.error(self, null, site, thrown);
        }
        if (thrown == null || kind == Bridge.CLOSED) {
            Bridge.event(self, null, site, kind);
        }
    }
}
