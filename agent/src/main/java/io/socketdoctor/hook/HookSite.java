package io.socketdoctor.hook;

import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import java.util.List;

/**
 * One JDK method that Socket Doctor instruments, and what a failure there means.
 *
 * @param id         index in {@link HookSites#ALL}; a constant in the inserted code
 * @param type       binary name of the JDK class
 * @param method     method name
 * @param parameters binary names of the parameter types: the exact overload
 * @param op         what the application was doing
 * @param api        the API it used
 * @param shape      which code the hook inserts (see {@link Shape})
 * @param kind       the bridge event a normal return means ({@link Shape#LIFECYCLE}), or whether the
 *                   site reads or writes ({@link Shape#INT_RESULT}, {@link Shape#LONG_RESULT}); else 0
 */
public record HookSite(int id, String type, String method, List<String> parameters, Op op, Api api, Shape shape,
                       int kind) {

    /**
     * What the hook inserts into the method (see {@link ExitHook}): which object is the connection,
     * what a failure passes as its detail, and what a normal return reports.
     */
    public enum Shape {
        /** failures only; the instance itself */
        INSTANCE,
        /** failures only; the instance and its first argument (an address or an option) */
        INSTANCE_AND_ARGUMENT,
        /** {@code NioSocketImpl} failures: the impl and whether it serves a ServerSocket */
        SOCKET_IMPL,
        /** {@code Socket$SocketInputStream.read}: stamps or reports EOF on the owning socket */
        STREAM_READ,
        /** {@code Socket$SocketOutputStream.write}: stamps the owning socket */
        STREAM_WRITE,
        /** channel reads and writes returning an {@code int} count; {@code kind} says which */
        INT_RESULT,
        /** scattering and gathering reads and writes, returning a {@code long} */
        LONG_RESULT,
        /** the socket adaptor's {@code blockingWriteFully}: all {@code len} bytes or a throw */
        WRITE_FULLY,
        /** a blocking connect: returning means connected */
        CONNECT,
        /** {@code SocketChannel.connect}: {@code true} means connected */
        CHANNEL_CONNECT,
        /** {@code SocketChannel.finishConnect}: {@code true} means connected */
        FINISH_CONNECT,
        /** returns the accepted channel (null when a non-blocking accept found none) */
        ACCEPT,
        /** {@code ServerSocket.implAccept(Socket)}: the argument is the accepted socket */
        IMPL_ACCEPT,
        /** close and shutdown: reports the site's {@code kind}; a close counts even when it threw */
        LIFECYCLE,
        /** an accepted async channel's constructor: reports it opened (a constructor has no catch-all) */
        CONSTRUCTED,
        /**
         * Asynchronous channels: a rewrite of the method's delivery calls (see {@code install.AsyncDelivery});
         * the instance is the channel; {@code kind} READ_DONE/WRITE_DONE also stamps its
         * {@code IOUtil.read}/{@code write} results
         */
        ASYNC_DELIVERY,
        /** as {@link #ASYNC_DELIVERY}, and the channel's {@code pendingRemote} is the address (connect) */
        ASYNC_CONNECT_DELIVERY,
        /** as {@link #ASYNC_DELIVERY} in a timeout task: the channel is the outer instance {@code this$0} */
        ASYNC_TIMEOUT_DELIVERY,
        /** failures only; the instance and its second argument ({@code DatagramChannel.send}'s target) */
        INSTANCE_AND_SECOND_ARGUMENT;

        /** Rewrites call sites inside the method ({@code install.AsyncDelivery}) instead of wrapping it. */
        public boolean rewritesDeliveries() {
            return this == ASYNC_DELIVERY || this == ASYNC_CONNECT_DELIVERY || this == ASYNC_TIMEOUT_DELIVERY;
        }
    }

    /** {@code type.method(params)}, as printed in messages. */
    public String describe() {
        return type + "." + method + "(" + String.join(",", parameters) + ")";
    }

    /** The JVM descriptor of the parameters, {@code "([BII)"}: with the name, it picks the exact overload. */
    public String parameterDescriptor() {
        StringBuilder d = new StringBuilder("(");
        for (String p : parameters) {
            d.append(descriptorOf(p));
        }
        return d.append(')').toString();
    }

    static String descriptorOf(String binaryName) {
        if (binaryName.endsWith("[]")) {
            return "[" + descriptorOf(binaryName.substring(0, binaryName.length() - 2));
        }
        switch (binaryName) {
            case "boolean": return "Z";
            case "byte": return "B";
            case "char": return "C";
            case "short": return "S";
            case "int": return "I";
            case "long": return "J";
            case "float": return "F";
            case "double": return "D";
            default: return "L" + binaryName.replace('.', '/') + ";";
        }
    }
}
