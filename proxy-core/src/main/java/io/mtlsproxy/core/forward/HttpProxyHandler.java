package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.ListenerInitializer;
import io.mtlsproxy.core.inbound.RequestHeaderTimeout;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * The last handler of a client connection: takes one request at a time, answers it itself (4xx, 5xx) or hands it
 * to an {@link Exchange} that carries it to an origin. Reads are explicit (AUTO_READ is off): the next request head
 * is read only once the previous response is complete, and a request body only as fast as the origin takes it.
 * Requests a client pipelines meanwhile wait, decoded, in a small backlog.
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements ClientEnd {
    /** How long a connection being closed keeps swallowing an unread request body, so the answer is not reset. */
    private static final long LINGER_MILLIS = 2000;

    private enum Phase {
        IDLE,
        FORWARDING,
        DISCARDING,
        CLOSING
    }

    private final ForwardingContext fc;
    private final String listenerName;
    private final PipelinedRequests backlog = new PipelinedRequests();
    private ChannelHandlerContext ctx;
    /** void promise for the writes nobody waits for (see {@link #untrackedWrite}) */
    private ChannelPromise untracked;

    private InboundConnection conn;
    private ResponseTimeout responseTimeout;
    private Phase phase = Phase.IDLE;
    private Exchange exchange;
    private boolean requestInFlight;
    private boolean requestHasBody;
    private boolean requestKeepAlive;
    private boolean requestHead;
    private boolean drainRequested;
    private boolean lingering;
    /** after a malformed head: the client may have sent more (pipelined requests), still unread in the socket */
    private boolean unreadAfterMalformed;

    public HttpProxyHandler(ForwardingContext fc, String listenerName) {
        this.fc = requireNonNull(fc, "fc");
        this.listenerName = requireNonNull(listenerName, "listenerName");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        untracked = new VoidChannelPromise(ctx.channel(), false);
        conn = InboundConnection.of(ctx.channel());
        this.responseTimeout = new ResponseTimeout(ctx.executor(), () -> {
            if (exchange != null) {
                exchange.responseTimedOut();
            }
        });
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject http)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!backlog.isEmpty() || !canTakeNow(http)) {
            backlog.add(http);
            return;
        }
        dispatch(http);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (phase == Phase.FORWARDING && exchange != null) {
            exchange.flushUpstream();
        }
        maybeRead();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.inboundWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        phase = Phase.CLOSING;
        responseTimeout.stop();
        backlog.drop();
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.clientClosed();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainEvent.INSTANCE) {
            drainRequested = true;
            if (phase == Phase.IDLE && !requestInFlight && backlog.isEmpty()) {
                ctx.close();
            }
        } else if (evt instanceof RequestHeaderTimeout.Expired expired) {
            if (phase == Phase.IDLE && !requestInFlight) {
                if (expired.partial()) {
                    requestKeepAlive = false;
                    answer(
                            new RequestLog(conn, "-", "-"),
                            408,
                            "request headers not received within request-header-timeout",
                            true);
                } else {
                    ctx.close();
                }
            }
        } else if (evt instanceof IdleStateEvent) {
            // waiting on the origin is response-timeout's business; anything else idle that long is closed
            if (phase != Phase.FORWARDING || requestInFlight) {
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * The promise for a write to the client whose outcome nobody waits for (a response on a connection that stays
     * open, a piece of a streamed body): a void promise, which fires nothing. A write that fails on I/O closes the
     * channel, as it did when nobody listened to a real promise, and no promise object is made per request.
     */
    @Override
    public ChannelPromise untrackedWrite() {
        return untracked;
    }

    /**
     * Whether the connection stays open after the current exchange: decided once, before the answer is written,
     * so that the write of an answer on a connection that stays open needs no promise ({@link #untrackedWrite}).
     */
    @Override
    public boolean keepsAlive(boolean exchangeKeepAlive) {
        return exchangeKeepAlive && !closeRequested() && !(requestInFlight && requestHasBody);
    }

    /** True when responses must say {@code Connection: close}: the proxy is draining. */
    @Override
    public boolean closeRequested() {
        return drainRequested || fc.draining();
    }

    /** Reads the next chunk of the client's stream when the current phase can take it. */
    @Override
    public void maybeRead() {
        if (!backlog.isEmpty() || !ctx.channel().isActive()) {
            return; // the backlog is digested first, when the current exchange ends
        }
        boolean read = switch (phase) {
            case IDLE, DISCARDING, CLOSING -> true;
            case FORWARDING -> requestInFlight && exchange != null && exchange.canTakeBody();
        };
        if (read) {
            ctx.read();
        }
    }

    private boolean canTakeNow(HttpObject msg) {
        return switch (phase) {
            case IDLE -> true;
            case FORWARDING, DISCARDING -> requestInFlight && !(msg instanceof HttpRequest);
            case CLOSING -> true;
        };
    }

    private void dispatch(HttpObject msg) {
        if (msg instanceof HttpRequest req && phase == Phase.IDLE) {
            requestInFlight = true;
            startRequest(req);
            return;
        }
        if (!(msg instanceof HttpContent content)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            content.release();
            malformedBody();
            return;
        }
        if (last) {
            requestInFlight = false;
        }
        if (phase == Phase.FORWARDING && exchange != null) {
            exchange.requestContent(content);
        } else {
            content.release();
            if (phase == Phase.CLOSING && last && lingering) {
                ctx.close(); // the unread body is all in: the answer can no longer be lost to a reset
            }
            if (phase == Phase.DISCARDING && last) {
                phase = Phase.IDLE;
                backlog.replay(this::canTakeNow, this::dispatch);
            }
        }
    }

    private void malformedBody() {
        requestKeepAlive = false;
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.clientError("malformed request body");
        } else if (phase != Phase.CLOSING) {
            ctx.close();
        }
    }

    private void startRequest(HttpRequest req) {
        requestHead = HttpMethod.HEAD.equals(req.method());
        requestKeepAlive = HttpUtil.isKeepAlive(req);
        if (req.decoderResult().isFailure()) {
            requestKeepAlive = false;
            requestHasBody = false;
            // the decoder discards what follows, but only what is read: keep reading until the client has the
            // answer and closes (or the linger ends), or closing with unread bytes resets the answer away
            unreadAfterMalformed = true;
        } else {
            // only now: a failed head may carry a Content-Length that is no number
            requestHasBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        }
        RequestStart.start(this, req, requestKeepAlive, requestHasBody);
    }

    @Override
    public ForwardingContext fc() {
        return fc;
    }

    @Override
    public String listenerName() {
        return listenerName;
    }

    @Override
    public InboundConnection connection() {
        return conn;
    }

    @Override
    public ResponseTimeout responseTimeout() {
        return responseTimeout;
    }

    @Override
    public void forwarding(Exchange exchange) {
        phase = Phase.FORWARDING;
        this.exchange = exchange;
    }

    @Override
    public void tunnel(ForwardedRequest forwarded) {
        phase = Phase.FORWARDING;
        new WebSocketTunnel(forwarded, this, ctx).start();
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public ChannelPromise newPromise() {
        return ctx.newPromise();
    }

    @Override
    public void write(Object msg, ChannelPromise promise) {
        ctx.write(msg, promise);
    }

    @Override
    public ChannelFuture writeAndFlush(Object msg, ChannelPromise promise) {
        return ctx.writeAndFlush(msg, promise);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /**
     * Answers the current request itself. The connection stays open only when the client wants it, nothing is
     * wrong with the stream, and no request body is left to arrive ({@code close} forces a close).
     */
    @Override
    public void answer(RequestLog log, int status, String reason, boolean close, long retryAfter) {
        exchange = null;
        boolean keepAlive = !close && keepsAlive(requestKeepAlive);
        FullHttpResponse answer =
                ProxyAnswer.logged(fc, log, status, reason, retryAfter, !keepAlive, requestHead, ctx.alloc());
        ChannelFuture written = ctx.writeAndFlush(answer, keepAlive ? untrackedWrite() : ctx.newPromise());
        settle(keepAlive, written);
    }

    /**
     * The exchange delivered its response. {@code keepAlive} is what {@link #keepsAlive} decided before it was
     * written; when false, {@code written} is a real future that completes when its last byte is written.
     */
    @Override
    public void exchangeDone(boolean keepAlive, ChannelFuture written) {
        exchange = null;
        settle(keepAlive, written);
    }

    /** The exchange broke off mid-response: the client can only learn it from the closed connection. */
    @Override
    public void exchangeAborted() {
        exchange = null;
        phase = Phase.CLOSING;
        ctx.close();
    }

    /**
     * The origin accepted a WebSocket: the connection is no longer HTTP. The HTTP/1.1 handlers leave the pipeline
     * (this one last) and whatever a client pipelined behind the upgrade request is dropped.
     */
    void upgraded() {
        exchange = null;
        phase = Phase.CLOSING;
        responseTimeout.stop();
        backlog.drop(); // what a client pipelined behind the upgrade request
        ListenerInitializer.removeHttp1(ctx.pipeline()); // this handler, "proxy", last
    }

    private void settle(boolean keepAlive, ChannelFuture written) {
        if (!keepAlive) {
            phase = Phase.CLOSING;
            backlog.drop(); // requests after a closing answer are never served
            written.addListener(f -> {
                if ((requestInFlight && requestHasBody || unreadAfterMalformed)
                        && ctx.channel().isActive()) {
                    lingering = true;
                    ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
                    maybeRead();
                } else {
                    ctx.close();
                }
            });
            return;
        }
        phase = requestInFlight ? Phase.DISCARDING : Phase.IDLE;
        backlog.replay(this::canTakeNow, this::dispatch);
        maybeRead();
    }
}
