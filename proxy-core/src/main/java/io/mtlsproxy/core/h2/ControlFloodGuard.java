package io.mtlsproxy.core.h2;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;

/**
 * Closes a client connection that floods SETTINGS or PING frames while it does not read their acks (CVE-2019-9512,
 * CVE-2019-9515). The codec answers every one of them with an ack, and the connection must keep reading (resets,
 * window updates, other streams), so an ack queue no one drains would grow without end: in Http2HostileFramesTest,
 * two million SETTINGS frames queued their acks in the proxy's memory, and Netty's own cap on queued control frames
 * did not close the connection. Counted are the frames that arrive while the connection cannot write (its outbound
 * buffer is past the high-water mark because the client is not reading); past {@link #MAX_WHILE_BLOCKED} the
 * client gets GOAWAY ENHANCE_YOUR_CALM and the connection closes. The count starts over whenever the connection can
 * write again, so a client that reads never comes near it; one that does not is closed once the socket's send
 * buffer is full (a few MB in the kernel, none in the JVM).
 */
public final class ControlFloodGuard extends ChannelInboundHandlerAdapter {
    public static final int MAX_WHILE_BLOCKED = 1000;

    private final Http2FrameCodec codec;
    private int whileBlocked;

    public ControlFloodGuard(Http2FrameCodec codec) {
        this.codec = requireNonNull(codec, "codec");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if ((msg instanceof Http2SettingsFrame || msg instanceof Http2PingFrame ping && !ping.ack())
                && !ctx.channel().isWritable()
                && ++whileBlocked > MAX_WHILE_BLOCKED) {
            if (whileBlocked == MAX_WHILE_BLOCKED + 1) {
                // as Netty's own control frame limit does: GOAWAY by the codec, then a close below the codec, as
                // the codec's own close is graceful and would wait for a flush that never comes
                ChannelHandlerContext codecCtx = ctx.pipeline().context(codec);
                codec.onError(
                        codecCtx,
                        true,
                        Http2Exception.connectionError(
                                Http2Error.ENHANCE_YOUR_CALM,
                                "%d SETTINGS or PING frames while their acks are not read",
                                MAX_WHILE_BLOCKED));
                codecCtx.close();
            }
            return; // these frames carry no buffers
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            whileBlocked = 0;
        }
        ctx.fireChannelWritabilityChanged();
    }
}
