package io.socketdoctor.runtime;

import io.socketdoctor.classify.Op;

/**
 * What the application was doing, from the name of the native call Netty reports a failure for
 * (its {@code Errors} methods get it as an argument: {@code "read"}, {@code "writev"},
 * {@code "finishConnect"}, {@code "io_uring recvmsg"}; older releases wrote
 * {@code "syscall:read(..)"}). Calls that are not socket operations ({@code epoll_wait},
 * {@code io_uring_enter}, file opens) give {@code null}: those failures are not reported.
 */
final class NettyCalls {

    private NettyCalls() {
    }

    static Op opOf(String method) {
        if (method == null) {
            return null;
        }
        String name = method;
        if (name.startsWith("syscall:")) {
            name = name.substring("syscall:".length());
        }
        if (name.startsWith("io_uring ")) {
            name = name.substring("io_uring ".length());
        }
        int paren = name.indexOf('(');
        if (paren >= 0) {
            name = name.substring(0, paren);
        }
        switch (name) {
            case "read", "readAddress", "readv", "recv", "recvAddress", "recvFrom", "recvFromAddress",
                    "recvFromDomainSocket", "recvFd", "recvmsg", "recvmmsg", "splice":
                return Op.READ;
            case "write", "writeAddress", "writev", "writevAddresses", "send", "sendAddress", "sendTo",
                    "sendToAddress", "sendToAddresses", "sendToDomainSocket", "sendToAddressDomainSocket",
                    "sendToAddressesDomainSocket", "sendFd", "sendfile", "sendmsg", "sendmmsg", "sendzc",
                    "sendmsg_zc":
                return Op.WRITE;
            case "connect", "finishConnect", "connectVSock":
                return Op.CONNECT;
            case "accept":
                return Op.ACCEPT;
            case "bind", "bindVSock", "listen":
                return Op.BIND;
            case "shutdown", "close", "disconnect":
                return Op.CLOSE;
            case "newSocketStream", "newSocketDgram", "newSocketDomain", "newSocketDomainDgram", "newVSockStream":
                return Op.CREATE;
            default:
                return null;
        }
    }
}
