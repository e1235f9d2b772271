package io.mtlsproxy.core.net;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;

/**
 * Shuts a socket's output (sends its FIN) once what was written before has left, not once it was flushed. With epoll
 * a flush has written the bytes by the time it returns; io_uring completes a write later, and a FIN sent first cuts
 * the rest off (the kernel refuses writes after it): a refused client would lose the TLS alert that says why, a tcp
 * route the last bytes before a half-close. An empty write after them completes when they have.
 */
public final class OutputShutdown {
    private OutputShutdown() {}

    /** {@code via} is where the channel's writes are made (a handler's context, or the channel itself). */
    public static ChannelFuture afterWrites(ChannelOutboundInvoker via, DuplexChannel channel) {
        ChannelPromise shut = channel.newPromise();
        via.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> channel.shutdownOutput(shut));
        return shut;
    }
}
