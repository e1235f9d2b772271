package io.mtlsproxy.core.h2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Closes a client connection that floods SETTINGS or PING frames while it does not read their acks (CVE-2019-9512,
 * CVE-2019-9515). The codec answers every one of them with an ack, and the connection must keep reading (resets,
 * window updates, other streams), so an ack queue no one drains would grow without end: in Http2HostileFramesTest,
 * two million SETTINGS frames queued their acks in the proxy's memory, and Netty's own cap on queued control frames
 * did not close the connection. Counted are the frames that arrive while the connection cannot write (its outbound
 * buffer is past the high-water mark because the client is not reading); past {@link #MAX_WHILE_BLOCKED} the
 * client gets GOAWAY ENHANCE_YOUR_CALM and the connection closes. The count starts over whenever such a frame finds
 * the connection able to write again, so a client that reads never comes near it; one that does not is closed once
 * the socket's send buffer is full (a few MB in the kernel, none in the JVM). It sits in front of the connection's
 * frame listener and passes every frame on.
 */
public final class ControlFloodGuard extends Http2FrameListenerDecorator {
    public static final int MAX_WHILE_BLOCKED = 1000;

    private int whileBlocked;

    public ControlFloodGuard(Http2FrameListener listener) {
        super(listener);
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
        if (!flooded(ctx)) {
            super.onSettingsRead(ctx, settings);
        }
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
        if (!flooded(ctx)) {
            super.onPingRead(ctx, data);
        }
    }

    private boolean flooded(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            whileBlocked = 0;
            return false;
        }
        if (++whileBlocked <= MAX_WHILE_BLOCKED) {
            return false;
        }
        if (whileBlocked == MAX_WHILE_BLOCKED + 1) {
            // as Netty's own control frame limit does: GOAWAY by the handler, then a close below it, as the
            // handler's own close is graceful and would wait for a flush that never comes
            ((Http2ConnectionHandler) ctx.handler())
                    .onError(
                            ctx,
                            true,
                            Http2Exception.connectionError(
                                    Http2Error.ENHANCE_YOUR_CALM,
                                    "%d SETTINGS or PING frames while their acks are not read",
                                    MAX_WHILE_BLOCKED));
            ctx.close();
        }
        return true;
    }
}
