package io.mtlsproxy.bench.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/** Reads one connection's answers piece by piece (bodies are counted, never aggregated) and reports to its driver. */
final class AnswerHandler extends ChannelInboundHandlerAdapter {
    private final Driver driver;
    private final Channel channel;

    AnswerHandler(Driver driver, Channel channel) {
        this.driver = driver;
        this.channel = channel;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
                driver.malformed(
                        channel, "malformed answer: " + o.decoderResult().cause());
                return;
            }
            if (msg instanceof HttpResponse r) {
                driver.head(channel, r.status().code(), HttpUtil.isKeepAlive(r));
            }
            if (msg instanceof HttpContent c) {
                driver.body(channel, c.content().readableBytes());
            }
            if (msg instanceof LastHttpContent) {
                driver.end(channel);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        driver.closed(channel);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        driver.failed(channel, cause);
    }
}
