package io.mtlsproxy.core.h2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseNotifier;
import java.nio.channels.ClosedChannelException;
import java.util.function.Function;

/**
 * The one handler between a client's HTTP/2 stream and the data path: frames in, the HTTP objects the HTTP/1.1 codec
 * and its request validator give (a head, then its contents, the last one always there), and back. It does in
 * one place, with one pass over each message, what five handlers per stream did before (Netty's
 * {@code Http2StreamFrameToHttpObjectCodec}, the request validator, the stream error answer, the full-message split
 * and the headers-only answer), so a stream's pipeline is short and a request costs no intermediate full message, no
 * output list and no promise combiner.
 * <ul>
 * <li><b>In</b>: a HEADERS frame becomes the request head ({@link HeadConversion}: no {@code x-http2-*} extension
 * header, as they would describe the client's connection, and no origin should see them); when it ends the stream,
 * an empty last content follows, so a GET goes the way of HTTP/1.1's. A head without Content-Length that has a body
 * to come says chunked, as Netty's codec does. DATA frames become contents, the last one with END_STREAM; trailers
 * end the body and are dropped, as HTTP/1.1's are. A request that breaks HTTP/1.1's rules (dot-segments, an
 * unsupported Transfer-Encoding, h2c) reaches the proxy handler as a failed decode, which answers 400, and whatever
 * the client sends after it on the stream is dropped.</li>
 * <li><b>Stream errors</b> (RFC 9113 §5.4.2): the frame codec's, which Netty leaves to the stream to answer, and a
 * request that cannot be carried as HTTP/1.1 (malformed: PROTOCOL_ERROR) are answered with RST_STREAM and the
 * error's own code, not the CANCEL the stream would say when the proxy handler closes it.</li>
 * <li><b>Out</b>: a response head written together with an empty end (no body, no trailers) leaves as one HEADERS
 * frame with END_STREAM, not HEADERS plus an empty DATA frame: the only correct form of a gRPC "trailers-only"
 * answer (a gRPC client that got the status in a HEADERS frame without END_STREAM would take it for the response
 * headers). A head written alone waits at most until the next write or flush, so a streamed response's headers are
 * never delayed. An informational answer (100 Continue) is a HEADERS frame that does not end the stream.</li>
 * </ul>
 * A message written as several frames gives the caller's promise to the last one: the frames of one stream are
 * written in order, and when an earlier one fails the stream is reset and the last one fails too.
 */
public final class ClientStreamCodec extends ChannelDuplexHandler {
    /** HTTP/1.1's request rules: null when a request may be forwarded, else why not (inbound's RequestValidator) */
    private final Function<HttpRequest, String> requestRules;
    /** the request broke the rules: what the client sends after it is dropped */
    private boolean refused;

    private HttpResponse heldHead;
    private ChannelPromise heldPromise;

    public ClientStreamCodec(Function<HttpRequest, String> requestRules) {
        this.requestRules = requestRules;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (refused && (msg instanceof Http2HeadersFrame || msg instanceof Http2DataFrame)) {
                ReferenceCountUtil.release(msg);
            } else if (msg instanceof Http2HeadersFrame headers) {
                readHeaders(ctx, headers);
            } else if (msg instanceof Http2DataFrame data) {
                ByteBuf content = data.content(); // the content takes over the frame's reference
                ctx.fireChannelRead(
                        data.isEndStream() ? new DefaultLastHttpContent(content) : new DefaultHttpContent(content));
            } else {
                ctx.fireChannelRead(msg);
            }
        } catch (Exception e) {
            ReferenceCountUtil.release(msg);
            reset(ctx, e);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) instanceof Http2Exception.StreamException) {
            reset(ctx, cause);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (heldHead != null) {
            HttpResponse head = heldHead;
            ChannelPromise headPromise = heldPromise;
            heldHead = null;
            heldPromise = null;
            if (msg instanceof LastHttpContent last
                    && !last.content().isReadable()
                    && last.trailingHeaders().isEmpty()) {
                last.release();
                ctx.write(new DefaultHttp2HeadersFrame(toHttp2(head), true))
                        .addListener(new PromiseNotifier<>(headPromise, promise));
                return;
            }
            writeHead(ctx, head, false, headPromise);
        }
        if (!(msg instanceof HttpObject)) {
            ctx.write(msg, promise); // a reset frame, or anything else already HTTP/2
            return;
        }
        try {
            writeHttp(ctx, msg, promise);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(e);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (heldHead != null) {
            writeHead(ctx, heldHead, false, heldPromise);
            heldHead = null;
            heldPromise = null;
        }
        ctx.flush();
    }

    /** A head still held when the stream goes (reset, closed) never leaves: its writer learns so. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (heldPromise != null) {
            heldPromise.tryFailure(new ClosedChannelException());
            heldHead = null;
            heldPromise = null;
        }
    }

    private void readHeaders(ChannelHandlerContext ctx, Http2HeadersFrame frame) throws Http2Exception {
        Http2Headers headers = frame.headers();
        int id = frame.stream() == null ? 0 : frame.stream().id();
        if (headers.method() == null && frame.isEndStream()) {
            // request trailers end the body and go no further, as on HTTP/1.1 (RequestValidator): the proxy
            // decided on the headers before they came
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        HttpRequest req = HeadConversion.request(id, headers);
        String problem = requestRules.apply(req); // the same rules as HTTP/1.1
        if (problem != null) {
            refused = true;
            req.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(problem)));
        }
        if (frame.isEndStream()) {
            ctx.fireChannelRead(req);
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        if (!HttpUtil.isContentLengthSet(req)) {
            req.headers().add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        ctx.fireChannelRead(req);
    }

    private void writeHttp(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse head && !(msg instanceof LastHttpContent)) {
            if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                writeHead(ctx, head, false, promise);
            } else {
                heldHead = head; // until the next write or flush: it may end the stream with the head
                heldPromise = promise;
            }
            return;
        }
        if (msg instanceof FullHttpResponse full) {
            boolean informational = full.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            boolean headersOnly =
                    !full.content().isReadable() && full.trailingHeaders().isEmpty();
            if (informational || headersOnly) {
                full.release();
                writeHead(ctx, full, !informational, promise);
                return;
            }
            writeHead(ctx, full, false, ctx.newPromise());
            writeEnd(ctx, full, promise);
            return;
        }
        if (msg instanceof LastHttpContent last) {
            writeEnd(ctx, last, promise);
        } else {
            ctx.write(new DefaultHttp2DataFrame(((HttpContent) msg).content(), false), promise);
        }
    }

    /** The body's last piece (if any, or an empty one to end the stream) and the trailers (if any). */
    private static void writeEnd(ChannelHandlerContext ctx, LastHttpContent last, ChannelPromise promise) {
        HttpHeaders trailers = last.trailingHeaders();
        if (trailers.isEmpty()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), true), promise);
            return;
        }
        if (last.content().isReadable()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), false), ctx.newPromise());
        } else {
            last.release();
        }
        ctx.write(new DefaultHttp2HeadersFrame(HttpConversionUtil.toHttp2Headers(trailers, true), true), promise);
    }

    private static void writeHead(ChannelHandlerContext ctx, HttpResponse head, boolean end, ChannelPromise promise) {
        ctx.write(new DefaultHttp2HeadersFrame(toHttp2(head), end), promise);
    }

    private static Http2Headers toHttp2(HttpResponse head) {
        return HeadConversion.response(head);
    }

    /** RST_STREAM with the stream error's own code; anything else the stream cannot take is malformed. */
    private static void reset(ChannelHandlerContext ctx, Throwable cause) {
        Http2Error error = Http2CodecUtil.getEmbeddedHttp2Exception(cause) instanceof Http2Exception.StreamException e
                ? e.error()
                : Http2Error.PROTOCOL_ERROR;
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(error));
    }
}
