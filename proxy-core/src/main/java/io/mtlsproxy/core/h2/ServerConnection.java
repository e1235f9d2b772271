package io.mtlsproxy.core.h2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * A client connection that speaks HTTP/2, handled at frame level: its streams are no channels of their own. The
 * frame listener it was built with ({@link H2Codecs#server}) gets every frame; the streams write their answers
 * through {@link #encoder()} on {@link #context()} and ask for a flush with {@link #flushSoon}, so the answers that
 * are ready in one pass of the event loop leave in one flush (one TLS record, one write(2)), whichever stream and
 * whichever origin they came from.
 */
public final class ServerConnection extends Http2ConnectionHandler {
    private final Runnable flushTask = this::flushNow;
    private Runnable readComplete = () -> {};
    private ChannelHandlerContext ctx;
    private boolean flushPending;

    ServerConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
        super(decoder, encoder, settings, false, true);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    /** The context streams write on. */
    public ChannelHandlerContext context() {
        return ctx;
    }

    /** {@code task} runs at the end of each of the client's reads, before its flush. */
    public void onReadComplete(Runnable task) {
        readComplete = task;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        flushPending = false; // the flush below takes what the streams wrote during the read too
        readComplete.run();
        super.channelReadComplete(ctx); // flushes
    }

    /**
     * What the streams wrote goes out once the event loop has handled everything that was ready: in a task queued
     * behind the origins' reads, or at the end of the client's read when that comes first.
     */
    public void flushSoon() {
        if (!flushPending) {
            flushPending = true;
            ctx.executor().execute(flushTask);
        }
    }

    private void flushNow() {
        if (flushPending) {
            flushPending = false;
            flush(ctx);
        }
    }
}
