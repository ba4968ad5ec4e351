package io.socketdoctor.install;

import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.install.advice.ErrorAdvice;
import io.socketdoctor.install.advice.ErrorWithArgumentAdvice;
import io.socketdoctor.install.advice.SocketImplAdvice;
import io.socketdoctor.install.advice.SocketStreamAdvice;
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
 */
public record HookSite(int id, String type, String method, List<String> parameters, Op op, Api api, Shape advice) {

    /** The advice classes; each passes a different "self" or argument to the bridge. */
    public enum Shape {
        /** the instance itself */
        INSTANCE(ErrorAdvice.class),
        /** the instance and its first argument (an address or an option) */
        INSTANCE_AND_ARGUMENT(ErrorWithArgumentAdvice.class),
        /** {@code Socket$SocketInputStream/OutputStream}: the owning socket */
        SOCKET_STREAM(SocketStreamAdvice.class),
        /** {@code NioSocketImpl}: the impl and whether it serves a ServerSocket */
        SOCKET_IMPL(SocketImplAdvice.class);

        private final Class<?> adviceClass;

        Shape(Class<?> adviceClass) {
            this.adviceClass = adviceClass;
        }

        public Class<?> adviceClass() {
            return adviceClass;
        }
    }

    /** {@code type.method(params)}, as printed in messages. */
    public String describe() {
        return type + "." + method + "(" + String.join(",", parameters) + ")";
    }
}
