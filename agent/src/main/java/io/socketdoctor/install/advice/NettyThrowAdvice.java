package io.socketdoctor.install.advice;

import io.socketdoctor.bootstrap.LibraryBridge;
import net.bytebuddy.asm.Advice;

/**
 * For Netty's {@code Errors} methods that throw the failure of a native call
 * ({@code ioResult(String,int)}, {@code throwConnectException}, {@code handleConnectErrno}): on a
 * throw, hand the method name, the negative errno (both the method's own arguments, so the errno is
 * exact) and the exception to {@link LibraryBridge}. The success path (including {@code EAGAIN},
 * which {@code ioResult} turns into 0) only gains a null check. Inlined into the library class;
 * {@link Flags} is bound per site at install.
 */
public final class NettyThrowAdvice {

    private NettyThrowAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) String method, @Advice.Argument(1) int err, @Flags int flags,
                            @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            LibraryBridge.nettyError(method, err, thrown, flags);
        }
    }
}
