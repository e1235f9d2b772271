package io.mtlsproxy.core.renew.acme;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a tls-alpn-01 validation connection: the handshake is the whole answer (RFC 8737 §3), so
 * the connection closes (with close_notify) as soon as it is done, and anything the peer sends is dropped.
 */
final class CloseAfterHandshake extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(CloseAfterHandshake.class);

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                LOG.info(
                        "acme: answered a tls-alpn-01 validation from {}",
                        ctx.channel().remoteAddress());
            } else {
                LOG.debug(
                        "acme: tls-alpn-01 validation handshake from {} failed: {}",
                        ctx.channel().remoteAddress(),
                        done.cause().toString());
            }
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
