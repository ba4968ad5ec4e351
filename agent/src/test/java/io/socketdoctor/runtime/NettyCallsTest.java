package io.socketdoctor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.socketdoctor.classify.Op;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The operation behind the native call names Netty 4.1 and 4.2 pass to their {@code Errors} methods. */
class NettyCallsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "read, READ", "readAddress, READ", "recvAddress, READ", "recvmsg, READ", "recvmmsg, READ", "splice, READ",
        "io_uring read, READ", "io_uring recvmsg, READ", "syscall:read(..), READ",
        "write, WRITE", "writev, WRITE", "writeAddress, WRITE", "writevAddresses, WRITE", "sendAddress, WRITE",
        "sendmsg, WRITE", "sendmmsg, WRITE", "sendTo, WRITE", "sendfile, WRITE", "io_uring write, WRITE",
        "io_uring sendzc, WRITE", "io_uring sendmsg_zc, WRITE", "syscall:writev(..), WRITE",
        "connect, CONNECT", "finishConnect, CONNECT", "io_uring connect, CONNECT",
        "accept, ACCEPT", "io_uring accept, ACCEPT", "bind, BIND", "listen, BIND",
        "shutdown, CLOSE", "close, CLOSE", "newSocketStream, CREATE",
    })
    void socketCalls(String method, Op op) {
        assertEquals(op, NettyCalls.opOf(method));
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll_wait", "epoll_ctl", "io_uring_enter", "io_uring_register", "open", "newPipe", ""})
    void callsThatAreNotSocketOperationsAreNotReported(String method) {
        assertNull(NettyCalls.opOf(method));
    }

    @org.junit.jupiter.api.Test
    void noName() {
        assertNull(NettyCalls.opOf(null));
    }
}
