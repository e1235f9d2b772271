package io.mtlsproxy.core.inbound;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.ReferenceCountUtil;

/**
 * Follows Netty's PROXY v1/v2 decoder on a {@code proxy-protocol = true} listener: takes the client address the
 * load balancer reports (logs, X-Forwarded-For) and leaves the pipeline. A connection that does not start with a
 * PROXY header fails in the decoder and is closed: on such a listener every connection must come from the load
 * balancer, or a client could claim any address.
 */
public final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            // LOCAL is the balancer's own health check: the connection's real peer is then the one to log
            if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                InboundConnection.of(ctx.channel()).clientAddress(header.sourceAddress());
            }
        } finally {
            ReferenceCountUtil.release(header);
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // no or a malformed PROXY header
    }
}
