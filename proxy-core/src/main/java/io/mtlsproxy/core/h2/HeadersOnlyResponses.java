package io.mtlsproxy.core.h2;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * On a client's HTTP/2 stream, before {@code Http2StreamFrameToHttpObjectCodec}: a response head written together
 * with an empty end (no body, no trailers) goes out as one HEADERS frame with END_STREAM, instead of HEADERS plus an
 * empty DATA frame. That is the only correct form of a gRPC "trailers-only" answer (an error with no messages,
 * {@code grpc-status} in the headers): a gRPC client that got the status in a HEADERS frame without END_STREAM
 * would take it for the response headers and report the stream as broken. The head waits at most until the next
 * write or flush, so a streamed response's headers are never delayed.
 */
public final class HeadersOnlyResponses extends ChannelDuplexHandler {
    private HttpResponse head;
    private ChannelPromise headPromise;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (head != null) {
            HttpResponse h = head;
            ChannelPromise hp = headPromise;
            head = null;
            headPromise = null;
            if (msg instanceof LastHttpContent last
                    && !last.content().isReadable()
                    && last.trailingHeaders().isEmpty()) {
                last.release();
                FullHttpResponse full = new DefaultFullHttpResponse(
                        h.protocolVersion(), h.status(), Unpooled.EMPTY_BUFFER, h.headers(), EmptyHttpHeaders.INSTANCE);
                ctx.write(full).addListener(f -> {
                    if (f.isSuccess()) {
                        hp.trySuccess();
                        promise.trySuccess();
                    } else {
                        hp.tryFailure(f.cause());
                        promise.tryFailure(f.cause());
                    }
                });
                return;
            }
            ctx.write(h, hp);
        }
        if (msg instanceof HttpResponse r
                && !(msg instanceof LastHttpContent)
                && r.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            head = r;
            headPromise = promise;
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (head != null) {
            ctx.write(head, headPromise);
            head = null;
            headPromise = null;
        }
        ctx.flush();
    }
}
