package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.LibraryBridge;
import net.bytebuddy.asm.Advice;

/**
 * For Netty's {@code Errors.newIOException(String,int)}: every caller throws the new exception at
 * once or delivers it as a failure (a promise, {@code fireExceptionCaught}), so its creation is the
 * failure. Hands the method name, the negative errno and the new exception to {@link LibraryBridge}.
 */
public final class NettyCreateAdvice {

    private NettyCreateAdvice() {
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) String method, @Advice.Argument(1) int err, @Flags int flags,
                            @Advice.Return Throwable created) {
        LibraryBridge.nettyError(method, err, created, flags);
    }
}
