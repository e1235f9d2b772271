package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.h2.HeadConversion;
import io.mtlsproxy.core.h2.ServerConnection;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * One request on a client's HTTP/2 stream, as the forward path sees it ({@link ClientEnd}): started by
 * {@link RequestStart}, carried by an {@link Exchange}, answered in frames written through the connection's encoder.
 * <ul>
 * <li><b>Flow control</b>: a DATA frame's bytes go back to the client's stream window only once the exchange can
 * take more (its origin connection is writable), so a slow origin holds back the client, not the proxy's memory.</li>
 * <li><b>Out</b>: a head written with an empty end (no body, no trailers) is one HEADERS frame with END_STREAM (the
 * only correct form of a gRPC "trailers-only" answer); trailers are a HEADERS frame that ends the stream; a 100
 * Continue is a HEADERS frame that does not. Flushes are the connection's ({@link ServerConnection#flushSoon}).</li>
 * <li><b>Ends</b>: an answer given while the client is still sending its body is followed by RST_STREAM
 * NO_ERROR (RFC 9113 §8.1); an exchange that breaks off mid-response resets the stream (CANCEL); a stream the client
 * resets, or that closes with its connection, ends the exchange as a client that went away.</li>
 * </ul>
 */
final class H2RequestStream implements ClientEnd {
    private final H2Requests requests;
    private final Http2Stream stream;
    private Exchange exchange;
    private H2Requests.StreamTimeout responseTimeout;
    /** the client has not ended its side of the stream yet */
    private boolean requestInFlight;

    private boolean headRequest;
    /** in the connection's list of streams to flush to their origins at the read's end */
    private boolean flushListed;
    /** bytes of the client's DATA frames not given back to its windows yet: the exchange could not take more */
    private int unconsumed;

    H2RequestStream(H2Requests requests, Http2Stream stream) {
        this.requests = requests;
        this.stream = stream;
    }

    void start(HttpRequest req, boolean endOfStream) {
        requestInFlight = !endOfStream;
        headRequest = HttpMethod.HEAD.equals(req.method());
        boolean hasBody = !req.decoderResult().isFailure()
                && (HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0);
        RequestStart.start(this, req, true, hasBody);
        if (endOfStream) {
            bodyEnd();
        }
    }

    /** A DATA frame; returns the bytes given back to the client's windows now. */
    int data(ByteBuf data, int padding, boolean endOfStream) {
        int n = data.readableBytes() + padding;
        if (endOfStream) {
            requestInFlight = false;
        }
        if (exchange == null) {
            return n; // answered already: what the client still sends is dropped
        }
        data.retain(); // the content takes it over
        exchange.requestContent(endOfStream ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
        if (!flushListed) {
            flushListed = true;
            requests.unflushed(this);
        }
        if (exchange != null && !exchange.canTakeBody()) {
            unconsumed += n;
            return 0;
        }
        return n;
    }

    /** The client's read is over: the body pieces it brought go to the origin. */
    void flushUpstream() {
        flushListed = false;
        if (exchange != null) {
            exchange.flushUpstream();
        }
    }

    /** The client ended its side (END_STREAM on its HEADERS, or trailers). */
    void bodyEnd() {
        requestInFlight = false;
        if (exchange != null) {
            exchange.requestContent(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    /** The stream closed: reset by either side, with its connection, or both sides done. */
    void closed() {
        if (responseTimeout != null) {
            requests.release(responseTimeout);
            responseTimeout = null;
        }
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.clientClosed();
        }
    }

    void responseTimedOut() {
        if (exchange != null) {
            exchange.responseTimedOut();
        }
    }

    void writabilityChanged() {
        if (exchange != null) {
            exchange.inboundWritabilityChanged();
        }
    }

    @Override
    public ForwardingContext fc() {
        return requests.fc();
    }

    @Override
    public String listenerName() {
        return requests.listenerName();
    }

    @Override
    public InboundConnection connection() {
        return requests.connection();
    }

    @Override
    public ResponseTimeout responseTimeout() {
        if (responseTimeout == null) {
            responseTimeout = requests.timeout(this);
        }
        return responseTimeout.timeout;
    }

    @Override
    public void forwarding(Exchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public void tunnel(ForwardedRequest forwarded) {
        // no Upgrade header passes HTTP/2's header validation; should one get here, it is refused as such
        answer(forwarded.log(), 400, "WebSocket upgrade over HTTP/2", true, 0);
    }

    private ChannelHandlerContext ctx() {
        return requests.handler().context();
    }

    @Override
    public EventLoop eventLoop() {
        return ctx().channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx().alloc();
    }

    @Override
    public ChannelPromise newPromise() {
        return ctx().newPromise();
    }

    @Override
    public ChannelPromise untrackedWrite() {
        return ctx().newPromise();
    }

    @Override
    public void write(Object msg, ChannelPromise promise) {
        try {
            writeFrames(msg, promise);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(e);
        }
    }

    @Override
    public ChannelFuture writeAndFlush(Object msg, ChannelPromise promise) {
        write(msg, promise);
        flush();
        return promise;
    }

    @Override
    public void flush() {
        requests.handler().flushSoon();
    }

    @Override
    public boolean isWritable() {
        return stream.state() != Http2Stream.State.CLOSED
                && requests.handler().encoder().flowController().isWritable(stream);
    }

    /** A stream serves one request: whether it stays open after the answer is the client's side of it. */
    @Override
    public boolean keepsAlive(boolean exchangeKeepAlive) {
        return !requestInFlight;
    }

    @Override
    public boolean closeRequested() {
        return requests.fc().draining();
    }

    @Override
    public void maybeRead() {
        if (unconsumed > 0 && (exchange == null || exchange.canTakeBody())) {
            int n = unconsumed;
            unconsumed = 0;
            if (stream.state() == Http2Stream.State.CLOSED) {
                return; // the connection's window got the bytes back when the stream closed
            }
            ServerConnection handler = requests.handler();
            try {
                if (handler.decoder().flowController().consumeBytes(stream, n)) {
                    flush(); // a WINDOW_UPDATE
                }
            } catch (Http2Exception e) {
                handler.onError(ctx(), true, e);
            }
        }
    }

    @Override
    public void answer(RequestLog log, int status, String reason, boolean close, long retryAfter) {
        exchange = null;
        FullHttpResponse answer =
                ProxyAnswer.logged(requests.fc(), log, status, reason, retryAfter, false, headRequest, alloc());
        settle(writeAndFlush(answer, newPromise()));
    }

    @Override
    public void exchangeDone(boolean keepAlive, ChannelFuture written) {
        exchange = null;
        settle(written);
    }

    @Override
    public void exchangeAborted() {
        exchange = null;
        maybeRead();
        reset(Http2Error.CANCEL);
    }

    /** The answer is written: the client's body is no longer wanted, and its bytes no longer held back. */
    private void settle(ChannelFuture written) {
        maybeRead();
        if (requestInFlight) {
            written.addListener(f -> reset(Http2Error.NO_ERROR));
        }
    }

    private void reset(Http2Error error) {
        if (stream.state() != Http2Stream.State.CLOSED) {
            requests.handler().resetStream(ctx(), stream.id(), error.code(), newPromise());
            flush();
        }
    }

    private void writeFrames(Object msg, ChannelPromise promise) {
        Http2ConnectionEncoder encoder = requests.handler().encoder();
        ChannelHandlerContext ctx = ctx();
        int id = stream.id();
        if (msg instanceof FullHttpResponse full) {
            boolean informational = full.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (informational
                    || !full.content().isReadable() && full.trailingHeaders().isEmpty()) {
                var headers = HeadConversion.response(full);
                full.release();
                encoder.writeHeaders(ctx, id, headers, 0, !informational, promise);
                return;
            }
            encoder.writeHeaders(ctx, id, HeadConversion.response(full), 0, false, ctx.newPromise());
            writeEnd(encoder, ctx, full, promise);
        } else if (msg instanceof HttpResponse head) {
            encoder.writeHeaders(ctx, id, HeadConversion.response(head), 0, false, promise);
        } else if (msg instanceof LastHttpContent last) {
            writeEnd(encoder, ctx, last, promise);
        } else {
            encoder.writeData(ctx, id, ((HttpContent) msg).content(), 0, false, promise);
        }
    }

    /** The body's last piece (if any, or an empty one to end the stream) and the trailers (if any). */
    private void writeEnd(
            Http2ConnectionEncoder encoder, ChannelHandlerContext ctx, LastHttpContent last, ChannelPromise promise) {
        HttpHeaders trailers = last.trailingHeaders();
        if (trailers.isEmpty()) {
            encoder.writeData(ctx, stream.id(), last.content(), 0, true, promise);
            return;
        }
        if (last.content().isReadable()) {
            encoder.writeData(ctx, stream.id(), last.content(), 0, false, ctx.newPromise());
        } else {
            last.release();
        }
        encoder.writeHeaders(ctx, stream.id(), HttpConversionUtil.toHttp2Headers(trailers, true), 0, true, promise);
    }
}
