package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;

import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.upstream.UpstreamEndpoint;
import io.mtlsproxy.core.upstream.UpstreamFailure;
import io.mtlsproxy.core.upstream.UpstreamHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * One request carried to an origin and its response carried back, both streamed. Both channels live on the same
 * event loop, so every method here runs on that loop. Backpressure both ways is read-after-writable: the client is
 * read only while the upstream channel is writable, the origin only while the client channel is writable, so at
 * most a write buffer's worth (Netty's high water mark) plus one read sits in the proxy per direction.
 * <p>
 * Each flush through a TLS channel costs a pass through its SslHandler, so writes are flushed once per batch: a
 * request without a body goes out whole (head and end) in one flush, and the read-complete events flush only a
 * channel that was written to since its last flush.
 */
final class Exchange implements UpstreamHandler.Sink {
    /** What the client asked for, as far as the response's framing is concerned. */
    record ClientSide(boolean keepAlive, boolean http10, boolean head, boolean expectContinue) {
    }

    private final HttpProxyHandler owner;
    private final ChannelHandlerContext ctx;
    private final ForwardingContext fc;
    private final Route route;
    private final HttpRequest request;
    private final RequestLog log;
    private final ClientSide client;
    private final long maxBody;
    private final boolean bodyless;
    private ArrayDeque<HttpContent> pending; // body pieces that arrive before the origin connection; rare
    private HttpResponse heldHead; // the response head, until its body's first piece or the end of the read
    private UpstreamEndpoint endpoint;
    private Channel upstream;
    private UpstreamHandler relay;
    private boolean upstreamUnflushed;
    private boolean clientUnflushed;
    private long bodyBytes;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean finished;
    private boolean skipInterim;
    private boolean originKeepAlive;
    private boolean closeClient;
    private boolean upstreamReadPaused;
    private boolean retried;
    private boolean resendLast;
    private final ResponseTimeout responseTimeout;
    private final long responseTimeoutNanos;

    /**
     * A {@link FullHttpRequest} {@code request} is one without a body (neither chunked nor a Content-Length above
     * 0): it goes out whole, and the empty end the decoder delivers after its head is dropped.
     */
    Exchange(HttpProxyHandler owner, ChannelHandlerContext ctx, ForwardingContext fc, Route route,
             HttpRequest request, RequestLog log, ClientSide client, long maxBody, ResponseTimeout responseTimeout) {
        this.owner = requireNonNull(owner, "owner");
        this.ctx = requireNonNull(ctx, "ctx");
        this.fc = requireNonNull(fc, "fc");
        this.route = requireNonNull(route, "route");
        this.request = requireNonNull(request, "request");
        this.log = requireNonNull(log, "log");
        this.client = requireNonNull(client, "client");
        this.maxBody = maxBody;
        this.bodyless = request instanceof FullHttpRequest;
        this.responseTimeout = requireNonNull(responseTimeout, "responseTimeout");
        this.responseTimeoutNanos = route.upstream().config().responseTimeout().toNanos();
        responseTimeout.activity();
    }

    void start() {
        endpoint = route.upstream().pick(System.nanoTime());
        if (endpoint == null) {
            fail(UpstreamFailure.unavailable("no healthy origin for route " + route.name()
                    + ": every endpoint is ejected after failures"));
            return;
        }
        log.upstream(endpoint.toString());
        acquire();
    }

    private void acquire() {
        Channel idle = fc.pools().pollIdle(route.upstream(), endpoint, ctx.channel().eventLoop());
        if (idle != null) {
            connected(idle); // the usual case under load: a pooled keep-alive connection, no future needed
            return;
        }
        Future<Channel> f = fc.pools().acquire(route.upstream(), endpoint, ctx.channel().eventLoop());
        if (f.isDone()) {
            onAcquired(f);
        } else {
            f.addListener(x -> onAcquired(f));
        }
    }

    private void onAcquired(Future<Channel> f) {
        if (finished) {
            if (f.isSuccess()) {
                fc.pools().release(endpoint, f.getNow()); // a fresh, unused connection: keep it for the next one
            }
            return;
        }
        if (!f.isSuccess()) {
            UpstreamFailure failure = UpstreamFailure.classify(f.cause(), endpoint);
            countFailure(failure);
            if (!retryElsewhere(failure)) {
                fail(failure);
            }
            return;
        }
        connected(f.getNow());
    }

    private void connected(Channel ch) {
        upstream = ch;
        relay = UpstreamHandler.of(ch);
        relay.attach(this);
        if (client.expectContinue() && !retried) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        upstream.write(request, relay.untrackedWrite());
        if (bodyless) {
            // head and end in one message: one buffer to encrypt and send; a retry sends it whole again
            requestSent = true;
            responseTimeout.activity();
            responseTimeout.arm(responseTimeoutNanos);
        } else {
            if (pending != null) {
                HttpContent c;
                while ((c = pending.poll()) != null) {
                    writeBody(c);
                }
            }
            if (resendLast) {
                writeBody(LastHttpContent.EMPTY_LAST_CONTENT); // only requests without body bytes are retried
            }
        }
        upstream.flush();
        upstreamUnflushed = false;
        responseTimeout.activity();
        upstream.read();
        owner.maybeRead();
    }

    /** A piece of the request body; this exchange owns it from here. */
    void requestContent(HttpContent c) {
        if (finished || bodyless) {
            c.release(); // a body-less request's empty end: already sent with its head
            return;
        }
        int n = c.content().readableBytes();
        bodyBytes += n;
        log.addBytesIn(n);
        if (bodyBytes > maxBody) {
            c.release();
            // a streamed body crossed max-body-size: the origin has part of it, so both sides are cut off
            String reason = "request body exceeds max-body-size of " + maxBody + " bytes";
            if (responseStarted) {
                abort(reason);
            } else {
                fail(new UpstreamFailure(null, 413, reason, null));
            }
            return;
        }
        if (upstream == null) {
            if (pending == null) {
                pending = new ArrayDeque<>(4);
            }
            pending.add(c);
        } else {
            writeBody(c);
        }
    }

    private void writeBody(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        upstream.write(c, relay.untrackedWrite());
        if (last) {
            requestSent = true;
            upstream.flush();
            upstreamUnflushed = false;
            responseTimeout.activity();
            responseTimeout.arm(responseTimeoutNanos);
        } else {
            upstreamUnflushed = true; // flushed when the client's read completes
        }
    }

    /** The client's read completed: what it brought for the origin goes out. */
    void flushUpstream() {
        if (upstreamUnflushed && upstream != null && !finished) {
            upstreamUnflushed = false;
            upstream.flush();
        }
    }

    boolean canTakeBody() {
        return upstream != null && !finished && upstream.isWritable();
    }

    /**
     * An origin that stops taking the request body (a hung process: the kernel still accepts, nobody reads) is
     * waited for as one that does not answer: {@code response-timeout} runs while the body is held up by the
     * origin, and stops when the origin takes it again (the client's own pace is the client's affair). Without
     * it, the client sat blocked in its upload until idle-timeout (found by OriginFaultsTest).
     */
    @Override
    public void upstreamWritabilityChanged() {
        if (upstream == null) {
            return;
        }
        if (upstream.isWritable()) {
            if (!requestSent && !responseStarted && !finished) {
                responseTimeout.cancel();
            }
            owner.maybeRead();
        } else if (!requestSent && !finished) {
            responseTimeout.activity();
            responseTimeout.arm(responseTimeoutNanos);
        }
    }

    @Override
    public void upstreamRead(HttpObject msg) {
        responseTimeout.activity();
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            originBroke("origin sent a malformed response: " + msg.decoderResult().cause().getMessage());
            return;
        }
        if (msg instanceof HttpResponse resp) {
            int code = resp.status().code();
            if (code == 101) {
                ReferenceCountUtil.release(msg);
                originBroke("origin switched protocols, which this route does not support");
                return;
            }
            if (code < 200) {
                skipInterim = !(msg instanceof LastHttpContent); // 1xx: the final response follows
                ReferenceCountUtil.release(msg);
                return;
            }
            startResponse(resp);
            return;
        }
        HttpContent c = (HttpContent) msg;
        if (skipInterim) {
            skipInterim = !(c instanceof LastHttpContent);
            c.release();
            return;
        }
        log.addBytesOut(c.content().readableBytes());
        if (c instanceof LastHttpContent) {
            complete((LastHttpContent) c);
        } else {
            writeHeldHead();
            ctx.write(c, owner.untrackedWrite());
            clientUnflushed = true;
        }
    }

    private void writeHeldHead() {
        if (heldHead != null) {
            ctx.write(heldHead, owner.untrackedWrite());
            heldHead = null;
            clientUnflushed = true;
        }
    }

    private void startResponse(HttpResponse resp) {
        responseStarted = true;
        endpoint.recordSuccess();
        log.status(resp.status().code());
        ResponseFraming.Outcome framing = ResponseFraming.apply(resp, client, owner.closeRequested());
        closeClient = framing.closeClient();
        originKeepAlive = framing.originReusable();
        // held until the first piece of body: a small response read whole leaves as one message (one encode,
        // one buffer for the SslHandler); the end of the read writes it in any case
        heldHead = resp;
        responseTimeout.arm(responseTimeoutNanos); // from here on it watches for a stalled response body
    }

    private void complete(LastHttpContent last) {
        finished = true;
        responseTimeout.cancel();
        // decided before the write: an answer on a connection that stays open needs no promise
        boolean keepAlive = owner.keepsAlive(client.keepAlive() && !closeClient);
        ChannelPromise promise = keepAlive ? owner.untrackedWrite() : ctx.newPromise();
        ChannelFuture written;
        if (heldHead != null) {
            HttpResponse h = heldHead;
            heldHead = null;
            written = ctx.writeAndFlush(new DefaultFullHttpResponse(h.protocolVersion(), h.status(), last.content(),
                    h.headers(), last.trailingHeaders()), promise); // takes over the body's reference
        } else {
            written = ctx.writeAndFlush(last, promise);
        }
        clientUnflushed = false;
        if (originKeepAlive && requestSent && upstream.isActive()) {
            fc.pools().release(endpoint, upstream);
        } else {
            detachAndClose();
        }
        log.finish(fc.metrics(), fc.accessLog());
        owner.exchangeDone(keepAlive, written);
    }

    @Override
    public void upstreamReadComplete() {
        if (finished || upstream == null) {
            return;
        }
        writeHeldHead();
        if (clientUnflushed) {
            clientUnflushed = false;
            ctx.flush();
        }
        if (ctx.channel().isWritable()) {
            upstream.read();
        } else {
            upstreamReadPaused = true;
            responseTimeout.paused(true);
        }
    }

    void inboundWritabilityChanged() {
        if (upstreamReadPaused && !finished && ctx.channel().isWritable()) {
            upstreamReadPaused = false;
            responseTimeout.paused(false);
            upstream.read();
        }
    }

    @Override
    public void upstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        UpstreamFailure failure = cause == null ? UpstreamFailure.closed(endpoint)
                : UpstreamFailure.classify(cause, endpoint);
        if (!responseStarted && !retried && requestSent && bodyBytes == 0 && RetryPolicy.mayRetry(request)
                && usedBefore()) {
            // most likely a pooled connection the origin closed as it was reused; the request can be repeated
            // safely (RFC 9110 §9.2.2), so it gets one more try on a new connection
            retried = true;
            resendLast = true;
            upstream = null;
            relay = null;
            acquire();
            return;
        }
        countFailure(failure);
        if (responseStarted) {
            abort("origin connection lost mid-response: " + failure.getMessage());
        } else {
            fail(failure);
        }
    }

    /**
     * The connection or the origin handshake failed, so no byte of the request left the proxy: a request that
     * {@link RetryPolicy} allows gets one more try on another endpoint that is not ejected.
     */
    private boolean retryElsewhere(UpstreamFailure failure) {
        if (retried || !failure.endpointFault() || !RetryPolicy.mayRetry(request)) {
            return false;
        }
        UpstreamEndpoint other = route.upstream().pickOther(System.nanoTime(), endpoint);
        if (other == null) {
            return false;
        }
        retried = true;
        endpoint = other;
        log.upstream(other.toString());
        acquire();
        return true;
    }

    private boolean usedBefore() {
        return upstream != null && relay != null && relay.uses() > 1;
    }

    /** The client closed its connection before the response was complete. */
    void clientClosed() {
        if (finished) {
            return;
        }
        finish();
        detachAndClose();
        if (!responseStarted) {
            log.status(ProxyAnswer.CLIENT_CLOSED);
        }
        log.reason("client closed the connection before the response was complete");
        log.finish(fc.metrics(), fc.accessLog());
    }

    /** The client's request body was malformed. */
    void clientError(String reason) {
        if (finished) {
            return;
        }
        if (responseStarted) {
            abort(reason);
        } else {
            fail(new UpstreamFailure(null, 400, reason, null));
        }
    }

    private void originBroke(String reason) {
        UpstreamFailure failure = new UpstreamFailure(io.mtlsproxy.core.metrics.UpstreamErrorReason.RESET, 502,
                reason + " (" + endpoint + ")", null);
        countFailure(failure);
        if (responseStarted) {
            abort(reason);
        } else {
            fail(failure);
        }
    }

    /** Before the response started: the proxy answers (502, 503, 504, 413, 400) and the origin connection goes. */
    private void fail(UpstreamFailure failure) {
        finish();
        detachAndClose();
        boolean streamBroken = failure.status() == 400 || failure.status() == 413;
        owner.answer(log, failure.status(), failure.getMessage(), streamBroken);
    }

    /** After the response started: nothing can be said any more, both connections close. */
    private void abort(String reason) {
        finish();
        detachAndClose();
        log.reason(reason);
        log.finish(fc.metrics(), fc.accessLog());
        owner.exchangeAborted();
    }

    private void finish() {
        finished = true;
        heldHead = null; // never sent: the exchange ends without the client seeing this response
        responseTimeout.cancel();
        if (pending != null) {
            HttpContent c;
            while ((c = pending.poll()) != null) {
                c.release();
            }
        }
    }

    private void detachAndClose() {
        if (upstream != null) {
            if (relay != null) {
                relay.detach();
            }
            upstream.close();
        }
    }

    private void countFailure(UpstreamFailure failure) {
        if (failure.endpointFault()) {
            fc.metrics().upstreamError(route.name(), failure.reason());
            endpoint.recordFailure(System.nanoTime());
        }
    }

    /** The connection's {@link ResponseTimeout} fired while this exchange was waiting for its origin. */
    void responseTimedOut() {
        if (finished) {
            return;
        }
        UpstreamFailure failure = UpstreamFailure.timeout("origin did not answer within response-timeout of "
                + route.upstream().config().responseTimeout().toMillis() + " ms (" + endpoint + ")");
        countFailure(failure);
        if (responseStarted) {
            abort(failure.getMessage());
        } else {
            fail(failure);
        }
    }
}
