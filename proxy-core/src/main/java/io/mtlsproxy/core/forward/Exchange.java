package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.RetryOn;
import io.mtlsproxy.core.metrics.UpstreamErrorReason;
import io.mtlsproxy.core.upstream.UpstreamAttempt;
import io.mtlsproxy.core.upstream.UpstreamFailure;
import io.mtlsproxy.core.upstream.UpstreamHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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

/**
 * One request carried to an origin and its response carried back, both streamed. Both channels live on the same
 * event loop, so every method here runs on that loop. Backpressure both ways is read-after-writable: the client is
 * read only while the upstream channel is writable, the origin only while the client channel is writable, so at
 * most a write buffer's worth (Netty's high water mark) plus one read sits in the proxy per direction.
 * <p>
 * Each flush through a TLS channel costs a pass through its SslHandler, so writes are flushed once per batch: a
 * request without a body goes out whole (head and end) in one flush, and the read-complete events flush only a
 * channel that was written to since its last flush.
 * <p>
 * Every way out (the response complete, the proxy's own answer, an abort mid-response, the client gone) goes
 * through {@link #finish}; a failure goes through {@link #end}, which answers before the response started and
 * aborts after. Its tries (connect, retries, the route's timers) are made by {@link OriginTries}.
 */
final class Exchange implements UpstreamHandler.Sink, OriginTries.Owner {
    /** Where the exchange stands; the request body may still be going out in any state before DONE. */
    private enum State {
        /** waiting for an origin connection (first try or retry): body pieces wait in {@link OriginWrites} */
        CONNECTING,
        /** the request goes (or went) out; no response head yet */
        FORWARDING,
        /** the response head arrived: from here on a failure can only cut the client off */
        RESPONDING,
        /** over: completed, answered by the proxy, aborted or abandoned by the client */
        DONE
    }

    private final ClientEnd client;
    private final ForwardedRequest forwarded;
    private final HttpRequest request;
    private final RequestLog log;
    private final ClientSide side;
    private final long maxBody;
    /** a {@link FullHttpRequest} has no body: it goes out whole, the empty end after its head is dropped */
    private final boolean bodyless;

    private final OriginWrites toOrigin = new OriginWrites();
    private final ClientWrites toClient;
    private final UpstreamAttempt attempt;
    private final OriginTries tries;
    /** a copy of the body for a retry; null when the request cannot be retried after its body went out */
    private RetryBuffer retryBuffer;

    private boolean continued;
    private State state = State.CONNECTING;
    private ResponseFraming.Outcome framing;
    private long bodyBytes;
    private boolean requestSent;
    private boolean skipInterim;
    private boolean upstreamReadPaused;
    private final ResponseTimeout responseTimeout;
    private final long responseTimeoutNanos;

    Exchange(ForwardedRequest forwarded, ClientSide side, long maxBody, ResponseTimeout responseTimeout) {
        this.client = forwarded.client();
        this.forwarded = forwarded;
        this.request = forwarded.request();
        this.log = forwarded.log();
        this.side = requireNonNull(side, "side");
        this.maxBody = maxBody;
        this.bodyless = request instanceof FullHttpRequest;
        this.responseTimeout = requireNonNull(responseTimeout, "responseTimeout");
        this.responseTimeoutNanos =
                forwarded.route().upstream().config().responseTimeout().toNanos();
        this.toClient = new ClientWrites(client);
        this.attempt = forwarded.newAttempt();
        this.tries = new OriginTries(this, forwarded, attempt, toOrigin, client.eventLoop());
        this.retryBuffer = bodyless ? null : RetryBuffer.forRequest(forwarded);
        responseTimeout.activity();
    }

    void start() {
        tries.start();
    }

    @Override
    public boolean over() {
        return state == State.DONE;
    }

    @Override
    public boolean awaitingHead() {
        return state == State.CONNECTING || state == State.FORWARDING;
    }

    @Override
    public boolean canResend() {
        return bodyless ? RetryPolicy.repeatable(request) : retryBuffer != null && retryBuffer.whole();
    }

    @Override
    public void connecting() {
        state = State.CONNECTING;
    }

    @Override
    public void connected(Channel ch) {
        state = State.FORWARDING;
        log.connected();
        toOrigin.connected(ch, this);
        if (side.expectContinue() && !continued) {
            continued = true;
            client.writeAndFlush(
                    new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER),
                    client.newPromise());
        }
        toOrigin.head(request);
        if (bodyless) {
            requestSent(); // head and end in one message: one buffer to encrypt and send; a retry sends it again
        } else if (toOrigin.wroteBody()) { // a retry of a body that went out before: all of it is held (canResend)
            toOrigin.body(retryBuffer.replay());
            requestSent();
        } else if (toOrigin.writePending()) {
            requestSent();
        }
        toOrigin.flushNow();
        responseTimeout.activity();
        ch.read();
        client.maybeRead();
    }

    private void requestSent() {
        requestSent = true;
        responseTimeout.activity();
        responseTimeout.arm(responseTimeoutNanos);
    }

    /** A piece of the request body; this exchange owns it from here. */
    void requestContent(HttpContent c) {
        if (state == State.DONE || bodyless) {
            c.release(); // a body-less request's empty end: already sent with its head
            return;
        }
        int n = c.content().readableBytes();
        bodyBytes += n;
        log.addBytesIn(n);
        if (bodyBytes > maxBody) {
            c.release();
            // a streamed body crossed max-body-size: the origin has part of it, so both sides are cut off
            end(new UpstreamFailure(null, 413, "request body exceeds max-body-size of " + maxBody + " bytes", null));
        } else {
            if (retryBuffer != null && !retryBuffer.keep(c)) {
                retryBuffer = null; // past retries.buffer-limit: streamed only, no longer retried
            }
            if (toOrigin.body(c)) {
                requestSent();
            }
        }
    }

    /** The client's read completed: what it brought for the origin goes out. */
    void flushUpstream() {
        if (state != State.DONE) {
            toOrigin.flush();
        }
    }

    boolean canTakeBody() {
        return state != State.DONE && toOrigin.writable();
    }

    /**
     * An origin that stops taking the request body (a hung process: the kernel still accepts, nobody reads) is
     * waited for as one that does not answer: {@code response-timeout} runs while the body is held up by the
     * origin, and stops when the origin takes it again (the client's own pace is the client's affair). Without
     * it, the client sat blocked in its upload until idle-timeout (found by OriginFaultsTest).
     */
    @Override
    public void upstreamWritabilityChanged() {
        Channel upstream = toOrigin.channel();
        if (upstream == null) {
            return;
        }
        if (upstream.isWritable()) {
            if (!requestSent && state == State.FORWARDING) {
                responseTimeout.cancel();
            }
            client.maybeRead();
        } else if (!requestSent && state != State.DONE) {
            responseTimeout.activity();
            responseTimeout.arm(responseTimeoutNanos);
        }
    }

    @Override
    public void upstreamRead(HttpObject msg) {
        responseTimeout.activity();
        if (state == State.DONE) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            originBroke("origin sent a malformed response: "
                    + msg.decoderResult().cause().getMessage());
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
            if (code >= 502
                    && code <= 504
                    && tries.retryOn(RetryOn.ofStatus(code).orElseThrow())) {
                ReferenceCountUtil.release(msg); // this answer goes nowhere: the request is tried again
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
            toClient.body(c);
        }
    }

    private void startResponse(HttpResponse resp) {
        state = State.RESPONDING;
        dropRetryBuffer(); // no more tries: the copy is of no use from here on
        tries.answered();
        log.status(resp.status().code());
        log.responded();
        forwarded.decorateResponse(resp.headers());
        framing = ResponseFraming.apply(resp, side, client.closeRequested());
        toClient.head(resp); // held until the first piece of body or the end of the read
        responseTimeout.arm(responseTimeoutNanos); // from here on it watches for a stalled response body
    }

    private void complete(LastHttpContent last) {
        state = State.DONE; // before the writes: what they set off (writability, a close) finds the exchange over
        responseTimeout.cancel();
        // decided before the write: an answer on a connection that stays open needs no promise
        boolean keepAlive = client.keepsAlive(side.keepAlive() && !framing.closeClient());
        ChannelPromise promise = keepAlive ? client.untrackedWrite() : client.newPromise();
        ChannelFuture written = toClient.last(last, promise);
        finish(framing.originReusable() && requestSent && toOrigin.channel().isActive());
        forwarded.finishLog();
        client.exchangeDone(keepAlive, written);
    }

    @Override
    public void upstreamReadComplete() {
        if (state == State.DONE || toOrigin.channel() == null) {
            return;
        }
        toClient.flush();
        if (client.isWritable()) {
            toOrigin.channel().read();
        } else {
            upstreamReadPaused = true;
            responseTimeout.paused(true);
        }
    }

    void inboundWritabilityChanged() {
        if (upstreamReadPaused && state != State.DONE && client.isWritable()) {
            upstreamReadPaused = false;
            responseTimeout.paused(false);
            toOrigin.channel().read();
        }
    }

    @Override
    public void upstreamClosed(Throwable cause) {
        if (state == State.DONE) {
            return;
        }
        UpstreamFailure failure = cause == null
                ? UpstreamFailure.closed(attempt.endpoint())
                : UpstreamFailure.classify(cause, attempt.endpoint());
        if (state == State.FORWARDING && requestSent && tries.retryStale()) {
            return; // a stale pooled connection: the request went out whole and goes again on a new one
        }
        attempt.count(failure);
        if (state == State.FORWARDING && tries.retryOn(RetryOn.RESET)) {
            return;
        }
        end(failure, "origin connection lost mid-response: " + failure.getMessage());
    }

    /** The client closed its connection before the response was complete. */
    void clientClosed() {
        if (state == State.DONE) {
            return;
        }
        if (state != State.RESPONDING) {
            log.status(ProxyAnswer.CLIENT_CLOSED);
        }
        finish(false);
        log.reason("client closed the connection before the response was complete");
        forwarded.finishLog();
    }

    /** The client's request body was malformed. */
    void clientError(String reason) {
        if (state != State.DONE) {
            end(new UpstreamFailure(null, 400, reason, null));
        }
    }

    private void originBroke(String reason) {
        UpstreamFailure failure =
                new UpstreamFailure(UpstreamErrorReason.RESET, 502, reason + " (" + attempt.endpoint() + ")", null);
        attempt.count(failure);
        end(failure, reason);
    }

    @Override
    public void end(UpstreamFailure failure) {
        end(failure, failure.getMessage());
    }

    /**
     * Ends the exchange on {@code failure}. Before the response started the proxy answers it (502, 503, 504, 413,
     * 400); after, nothing can be said any more and both connections close, logged with {@code midResponse}.
     */
    private void end(UpstreamFailure failure, String midResponse) {
        boolean started = state == State.RESPONDING;
        finish(false);
        if (started) {
            log.reason(midResponse);
            forwarded.finishLog();
            client.exchangeAborted();
        } else {
            boolean streamBroken = failure.status() == 400 || failure.status() == 413;
            client.answer(log, failure.status(), failure.getMessage(), streamBroken);
        }
    }

    /** The one way out: DONE, timer off, unsent pieces released, the origin connection pooled or closed. */
    private void finish(boolean reuseUpstream) {
        state = State.DONE;
        tries.end();
        toClient.drop(); // unless complete() sent it: the exchange ends without the client seeing this response
        responseTimeout.cancel();
        toOrigin.releasePending();
        dropRetryBuffer();
        if (reuseUpstream) {
            attempt.release(toOrigin.channel());
        } else {
            toOrigin.close();
        }
    }

    private void dropRetryBuffer() {
        if (retryBuffer != null) {
            retryBuffer.release();
            retryBuffer = null;
        }
    }

    /** The connection's {@link ResponseTimeout} fired while this exchange was waiting for its origin. */
    void responseTimedOut() {
        if (state == State.DONE) {
            return;
        }
        UpstreamFailure failure = UpstreamFailure.timeout("origin did not answer within response-timeout of "
                + forwarded.route().upstream().config().responseTimeout().toMillis() + " ms (" + attempt.endpoint()
                + ")");
        attempt.count(failure);
        end(failure);
    }
}
