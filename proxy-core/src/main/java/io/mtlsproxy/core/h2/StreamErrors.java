package io.mtlsproxy.core.h2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * Right after a client stream's HTTP/1.1 translation (so that it sees both the errors the multiplexer hands the
 * stream and those the translation throws): answers the client's stream errors (RFC 9113 §5.4.2) with RST_STREAM and
 * the error's own code, instead of the CANCEL the stream would say when the proxy handler closes it, which tells the
 * client nothing about what it did wrong (a window overflow, a zero WINDOW_UPDATE, a content-length that lies).
 * <ul>
 * <li>the frame codec's stream errors, which Netty leaves to the stream's channel to answer;</li>
 * <li>a request the HTTP/1.1 translation refuses (it cannot be carried as HTTP/1.1): malformed, PROTOCOL_ERROR.</li>
 * </ul>
 * The reset closes the stream, and its handlers clean up on channelInactive as after any reset; other exceptions go
 * on as before.
 */
@ChannelHandler.Sharable
public final class StreamErrors extends ChannelInboundHandlerAdapter {
    public static final StreamErrors INSTANCE = new StreamErrors();

    private StreamErrors() {}

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http2Exception h2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        if (h2 instanceof Http2Exception.StreamException e) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(e.error()));
            return;
        }
        if (cause instanceof DecoderException) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
