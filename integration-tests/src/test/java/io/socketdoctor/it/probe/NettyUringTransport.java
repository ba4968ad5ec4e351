package io.socketdoctor.it.probe;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;

/** Netty 4.2's io_uring transport for {@link NettyProbe}: a class of its own, never loaded with Netty 4.1. */
final class NettyUringTransport implements NettyProbe.Transport {

    private NettyUringTransport() {
    }

    static NettyProbe.Transport create() {
        if (!IoUring.isAvailable()) {
            System.out.println("io_uring unavailable: " + IoUring.unavailabilityCause());
            System.exit(4);
        }
        return new NettyUringTransport();
    }

    @Override
    public EventLoopGroup group() {
        return new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
    }

    @Override
    public Class<? extends SocketChannel> channel() {
        return IoUringSocketChannel.class;
    }
}
