package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * A constructor that makes a connected channel (the accepted {@code AsynchronousSocketChannel}):
 * report it opened. Constructors cannot catch their own throw, so this runs on normal return only.
 */
public final class ConstructedAdvice {

    private ConstructedAdvice() {
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object self, @Site int site, @Kind int kind) {
        Bridge.event(self, null, site, kind);
    }
}
