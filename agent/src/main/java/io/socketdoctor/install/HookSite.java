package io.socketdoctor.install;

import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.install.advice.AcceptAdvice;
import io.socketdoctor.install.advice.ChannelConnectAdvice;
import io.socketdoctor.install.advice.ConnectAdvice;
import io.socketdoctor.install.advice.ConstructedAdvice;
import io.socketdoctor.install.advice.ErrorAdvice;
import io.socketdoctor.install.advice.ErrorWithArgumentAdvice;
import io.socketdoctor.install.advice.ErrorWithSecondArgumentAdvice;
import io.socketdoctor.install.advice.FinishConnectAdvice;
import io.socketdoctor.install.advice.ImplAcceptAdvice;
import io.socketdoctor.install.advice.LifecycleAdvice;
import io.socketdoctor.install.advice.IntResultAdvice;
import io.socketdoctor.install.advice.LongResultAdvice;
import io.socketdoctor.install.advice.SocketImplAdvice;
import io.socketdoctor.install.advice.StreamReadAdvice;
import io.socketdoctor.install.advice.StreamWriteAdvice;
import io.socketdoctor.install.advice.WriteFullyAdvice;
import java.util.List;

/**
 * One JDK method that Socket Doctor instruments, and what a failure there means.
 *
 * @param id         index in {@link HookSites#ALL}; inlined into the advice as a constant
 * @param type       binary name of the JDK class
 * @param method     method name
 * @param parameters binary names of the parameter types: the exact overload
 * @param op         what the application was doing
 * @param api        the API it used
 * @param advice     which advice shape fits the method
 * @param kind       the bridge event a normal return means ({@link Shape#LIFECYCLE}), or whether the
 *                   site reads or writes ({@link Shape#INT_RESULT}, {@link Shape#LONG_RESULT}); else 0
 */
public record HookSite(int id, String type, String method, List<String> parameters, Op op, Api api, Shape advice,
                       int kind) {

    /** The advice classes: which object is the connection, and what a normal return means. */
    public enum Shape {
        /** failures only; the instance itself */
        INSTANCE(ErrorAdvice.class),
        /** failures only; the instance and its first argument (an address or an option) */
        INSTANCE_AND_ARGUMENT(ErrorWithArgumentAdvice.class),
        /** {@code NioSocketImpl} failures: the impl and whether it serves a ServerSocket */
        SOCKET_IMPL(SocketImplAdvice.class),
        /** {@code Socket$SocketInputStream.read}: stamps or reports EOF on the owning socket */
        STREAM_READ(StreamReadAdvice.class),
        /** {@code Socket$SocketOutputStream.write}: stamps the owning socket */
        STREAM_WRITE(StreamWriteAdvice.class),
        /** channel reads and writes returning an {@code int} count; {@code kind} says which */
        INT_RESULT(IntResultAdvice.class),
        /** scattering and gathering reads and writes, returning a {@code long} */
        LONG_RESULT(LongResultAdvice.class),
        WRITE_FULLY(WriteFullyAdvice.class),
        /** a blocking connect: returning means connected */
        CONNECT(ConnectAdvice.class),
        /** {@code SocketChannel.connect}: {@code true} means connected */
        CHANNEL_CONNECT(ChannelConnectAdvice.class),
        FINISH_CONNECT(FinishConnectAdvice.class),
        /** returns the accepted channel */
        ACCEPT(AcceptAdvice.class),
        /** {@code ServerSocket.implAccept(Socket)}: the argument is the accepted socket */
        IMPL_ACCEPT(ImplAcceptAdvice.class),
        /** close and shutdown: reports the site's {@code kind} */
        LIFECYCLE(LifecycleAdvice.class),
        /** an accepted async channel's constructor: reports it opened (constructors allow no onThrowable) */
        CONSTRUCTED(ConstructedAdvice.class),
        /**
         * Asynchronous channels: not advice but a rewrite of the method's delivery calls (see
         * {@link AsyncDelivery}); the instance is the channel; {@code kind} READ_DONE/WRITE_DONE also
         * stamps its {@code IOUtil.read}/{@code write} results
         */
        ASYNC_DELIVERY(null),
        /** as {@link #ASYNC_DELIVERY}, and the channel's {@code pendingRemote} is the address (connect) */
        ASYNC_CONNECT_DELIVERY(null),
        /** as {@link #ASYNC_DELIVERY} in a timeout task: the channel is the outer instance {@code this$0} */
        ASYNC_TIMEOUT_DELIVERY(null),
        /** failures only; the instance and its second argument ({@code DatagramChannel.send}'s target) */
        INSTANCE_AND_SECOND_ARGUMENT(ErrorWithSecondArgumentAdvice.class);

        private final Class<?> adviceClass;

        Shape(Class<?> adviceClass) {
            this.adviceClass = adviceClass;
        }

        /** The advice class, or null for a call-site rewrite ({@link AsyncDelivery}). */
        public Class<?> adviceClass() {
            return adviceClass;
        }

        public boolean rewritesDeliveries() {
            return adviceClass == null;
        }
    }

    /** {@code type.method(params)}, as printed in messages. */
    public String describe() {
        return type + "." + method + "(" + String.join(",", parameters) + ")";
    }
}
