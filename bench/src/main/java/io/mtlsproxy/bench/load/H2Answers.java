package io.mtlsproxy.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * Reads one HTTP/2 connection's answers frame by frame (bodies are counted, never kept) and reports them by stream
 * id to its {@link H2Driver}. Data is handed back to flow control as soon as it is read.
 */
final class H2Answers extends Http2FrameAdapter {
    private final H2Driver driver;

    H2Answers(H2Driver driver) {
        this.driver = driver;
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endOfStream) {
        driver.headers(streamId, headers.status(), endOfStream);
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int streamDependency,
            short weight,
            boolean exclusive,
            int padding,
            boolean endOfStream) {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        int bytes = data.readableBytes();
        driver.data(streamId, bytes, endOfStream);
        return bytes + padding;
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        driver.reset(streamId, errorCode);
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
        driver.goAway(lastStreamId, errorCode);
    }
}
