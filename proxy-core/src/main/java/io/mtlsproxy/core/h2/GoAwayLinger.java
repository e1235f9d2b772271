package io.mtlsproxy.core.h2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Goes right before a client connection's HTTP/2 codec. When the codec closes the connection after a GOAWAY that
 * carries an error (ENHANCE_YOUR_CALM for a rapid reset, PROTOCOL_ERROR, ...), the close waits until the client
 * closes, or at most {@link #LINGER_MILLIS}, and whatever the client still sends meanwhile is read and dropped.
 * Closing at once, while the client's frames sit unread in the socket (an abusive client does not stop sending),
 * makes the kernel answer with a TCP reset, and a client that receives the reset loses the GOAWAY it had not read
 * yet: it would see a dropped connection instead of the reason. Graceful closes (drain, idle: GOAWAY NO_ERROR after
 * the streams are done) close at once.
 * <p>
 * The linger is for a client that stops and reads; it is no shelter for one that keeps flooding. A client that sends
 * more than {@link #MAX_DROPPED_BYTES} after the GOAWAY, or whose connection cannot take the GOAWAY at all (its
 * socket buffer is full of acks it never read), is closed at once: reading its flood for a second would only let it
 * go on for free.
 */
public final class GoAwayLinger extends ChannelDuplexHandler {
    /** Long enough for a client to read the GOAWAY and close; short enough to hold nothing for long. */
    public static final long LINGER_MILLIS = 1000;
    /** What a lingering connection may still send before it is closed anyway (a rude client's last frames). */
    public static final int MAX_DROPPED_BYTES = 64 * 1024;

    private boolean errorSent;
    private boolean lingering;
    private long dropped;

    public GoAwayLinger(Http2Connection connection) {
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                errorSent |= errorCode != Http2Error.NO_ERROR.code();
            }
        });
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!errorSent || !ctx.channel().isActive() || !ctx.channel().isWritable()) {
            ctx.close(promise);
            return;
        }
        ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
        if (lingering) {
            return;
        }
        lingering = true;
        ctx.flush();
        ScheduledFuture<?> deadline = ctx.executor()
                .schedule(
                        () -> {
                            ctx.close();
                        },
                        LINGER_MILLIS,
                        TimeUnit.MILLISECONDS);
        ctx.channel().closeFuture().addListener(f -> deadline.cancel(false));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            if (msg instanceof ByteBuf buf) {
                dropped += buf.readableBytes();
            }
            ReferenceCountUtil.release(msg); // the codec is done with this connection
            if (dropped > MAX_DROPPED_BYTES) {
                ctx.close();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
