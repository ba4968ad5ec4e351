package io.socketdoctor.runtime;

import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Diagnosis;
import io.socketdoctor.classify.Errno;
import io.socketdoctor.classify.Facts;
import io.socketdoctor.classify.Op;
import io.socketdoctor.event.Event;
import io.socketdoctor.event.EventText;
import java.time.Instant;

/**
 * Events for Netty's native transport, whose failures arrive as an errno number with the name of
 * the native call (see {@code install.NettyHooks}). The errno is Netty's own argument, so it is
 * exact; the operation comes from the call's name; the connection is not known here (no history,
 * no addresses).
 */
final class NettyFailures {

    private final Knowledge.Lazy knowledge;

    NettyFailures(Knowledge.Lazy knowledge) {
        this.knowledge = knowledge;
    }

    /** @param code the errno number, or 0 when Netty had none */
    Event diagnose(Op op, int code, Throwable thrown) {
        long now = System.currentTimeMillis();
        Knowledge k = knowledge.get();
        Errno errno = code > 0 ? k.errnoByCode.get(code) : null;
        Diagnosis d = errno == null ? null : k.classifier.classifyErrno(op, errno, Facts.NONE);
        String diagnosis = d != null ? d.diagnosis() : code > 0
                ? "The operating system reported errno " + code + " for this call; Socket Doctor's catalogue does not name it."
                : "Netty reported this failure without an errno.";
        String hint = d != null ? d.hint()
                : "Look up the errno (errno -l, or man 3 errno) and the exception's message.";
        Origin origin = JdkFailures.originOf(thrown, k);
        return Event.of(Event.SOCKET_ERROR)
                .at(Instant.ofEpochMilli(now))
                .errno(errno == null ? null : errno.symbol(), code > 0 ? code : null)
                .cause(d == null ? null : d.cause(), d != null ? d.confidence() : null)
                .call(op.label(), Api.NETTY.label())
                .exception(thrown.getClass().getName(), EventText.capped(thrown.getMessage()))
                .texts(diagnosis, hint.replace("{knob}", ""))
                .thread(CallSite.currentThreadName())
                .sites(CallSite.ofLibrary(thrown, "io.netty.", ".channel.unix."), origin.appSite())
                .library(origin.library() != null ? origin.library() : "netty")
                .build();
    }
}
