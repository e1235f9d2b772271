package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.relay.ByteRelay;
import io.mtlsproxy.core.upstream.UpstreamAttempt;
import io.mtlsproxy.core.upstream.UpstreamFailure;
import io.mtlsproxy.core.upstream.UpstreamPools;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/1.1 {@code Upgrade: websocket} request passed through to the route's origin over its outbound mode
 * (plain, TLS or mTLS), on a connection of its own. The origin decides: its 101 goes back to the client and from
 * then on both connections are one {@link ByteRelay} (backpressure, half-close, the listener's idle-timeout) until
 * either side closes; any other answer is relayed as it is and the client connection closes. The proxy does not
 * parse WebSocket frames: the handshake's keys and extensions are between client and origin.
 * <p>
 * The access log has one entry per WebSocket, written when it closes: status 101 and the bytes relayed each way.
 */
final class WebSocketTunnel {
    private final ForwardedRequest forwarded;
    private final HttpProxyHandler owner;
    private final ChannelHandlerContext ctx;
    private final RequestLog log;
    private final UpstreamAttempt attempt;
    private Channel upstream;
    private ScheduledFuture<?> answerTimer;
    private boolean done;

    /** {@code owner} is the client connection's handler, {@code ctx} its context: the tunnel takes the connection. */
    WebSocketTunnel(ForwardedRequest forwarded, HttpProxyHandler owner, ChannelHandlerContext ctx) {
        this.forwarded = forwarded;
        this.owner = owner;
        this.ctx = ctx;
        this.log = forwarded.log();
        this.attempt = forwarded.newAttempt();
    }

    /** True for a WebSocket opening handshake (RFC 6455 §4.1): GET, Upgrade: websocket, Connection: upgrade. */
    static boolean requested(HttpRequest req) {
        return HttpMethod.GET.equals(req.method())
                && req.headers().contains(HttpHeaderNames.UPGRADE) // getAll copies; most requests have no Upgrade
                && hasToken(req.headers(), HttpHeaderNames.UPGRADE, "websocket")
                && hasToken(req.headers(), HttpHeaderNames.CONNECTION, "upgrade");
    }

    private static boolean hasToken(HttpHeaders headers, CharSequence name, String token) {
        for (String value : headers.getAll(name)) {
            for (String t : value.split(",")) {
                if (t.trim().toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    void start() {
        UpstreamFailure none = log.pick(attempt);
        if (none != null) {
            fail(none);
            return;
        }
        // the origin's upgrade headers go back as they are; the request's were stripped as hop-by-hop
        forwarded.request().headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        forwarded.request().headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        Future<Channel> f = attempt.open(p -> {
            p.addLast("http", UpstreamPools.httpCodec());
            p.addLast("websocket-answer", new Answer());
        });
        ctx.channel().closeFuture().addListener(x -> clientClosed());
        f.addListener(x -> connected(f));
    }

    private void connected(Future<Channel> f) {
        if (done) {
            if (f.isSuccess()) {
                f.getNow().close();
            }
            return;
        }
        if (!f.isSuccess()) {
            fail(attempt.failed(f.cause()));
            return;
        }
        upstream = f.getNow();
        upstream.write(forwarded.request());
        upstream.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        upstream.read();
        long timeout = forwarded.route().upstream().config().responseTimeout().toNanos();
        answerTimer = ctx.executor()
                .schedule(
                        () -> {
                            if (!done) {
                                UpstreamFailure t =
                                        UpstreamFailure.timeout("origin did not answer the WebSocket handshake within"
                                                + " response-timeout (" + attempt.endpoint() + ")");
                                attempt.count(t);
                                fail(t);
                            }
                        },
                        timeout,
                        TimeUnit.NANOSECONDS);
    }

    private void clientClosed() {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        if (upstream != null) {
            upstream.close();
        }
        log.status(ProxyAnswer.CLIENT_CLOSED);
        log.reason("client closed the connection before the WebSocket handshake completed");
        forwarded.finishLog();
    }

    private void fail(UpstreamFailure failure) {
        done = true;
        cancelTimer();
        if (upstream != null) {
            upstream.close();
        }
        owner.answer(log, failure.status(), failure.getMessage(), true);
    }

    private void cancelTimer() {
        if (answerTimer != null) {
            answerTimer.cancel(false);
            answerTimer = null;
        }
    }

    /** The origin's answer to the opening handshake: 101 joins the two connections, anything else is relayed. */
    private final class Answer extends ChannelInboundHandlerAdapter {
        private boolean switched;
        private boolean refused;
        private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();

        @Override
        public void channelRead(ChannelHandlerContext uctx, Object msg) {
            if (done) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpResponse resp) {
                attempt.succeeded();
                cancelTimer();
                log.status(resp.status().code());
                forwarded.decorateResponse(resp.headers());
                if (resp.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                    switched = true;
                    ctx.write(resp); // through the client's HTTP encoder, which leaves right after
                } else {
                    refused = true;
                    HopByHop.strip(resp.headers());
                    resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    if (!resp.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                        HttpUtil.setTransferEncodingChunked(resp, true);
                    }
                    ctx.write(resp);
                }
                return;
            }
            if (msg instanceof HttpContent c) {
                if (refused) {
                    log.addBytesOut(c.content().readableBytes());
                    if (c instanceof LastHttpContent) {
                        done = true;
                        ChannelFuture written = ctx.writeAndFlush(c);
                        uctx.close();
                        forwarded.finishLog();
                        owner.exchangeDone(false, written);
                    } else {
                        ctx.write(c);
                    }
                } else {
                    c.release(); // the 101's empty end
                    if (switched && c instanceof LastHttpContent) {
                        join(uctx);
                    }
                }
                return;
            }
            if (msg instanceof ByteBuf b) {
                early.add(b); // WebSocket bytes the origin sent right behind its 101
                return;
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext uctx) {
            ctx.flush();
            if (!done) {
                uctx.read();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext uctx) {
            releaseEarly();
            if (!done) {
                UpstreamFailure failure = UpstreamFailure.closed(attempt.endpoint());
                attempt.count(failure);
                if (switched || refused) {
                    done = true;
                    ctx.close();
                    log.reason(failure.getMessage());
                    forwarded.finishLog();
                } else {
                    fail(failure);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext uctx, Throwable cause) {
            uctx.close();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext uctx) {
            releaseEarly();
        }

        private void releaseEarly() {
            ByteBuf b;
            while ((b = early.poll()) != null) {
                b.release();
            }
        }

        /** After the 101: both pipelines drop HTTP and become a byte relay. */
        private void join(ChannelHandlerContext uctx) {
            done = true;
            ChannelPipeline up = uctx.pipeline();
            up.remove("http");
            ctx.flush(); // the 101, through the client's HTTP encoder
            owner.upgraded(); // the client's HTTP handlers leave: from here on, bytes
            ByteBuf b;
            while ((b = early.poll()) != null) {
                log.addBytesOut(b.readableBytes());
                ctx.channel().write(b);
            }
            ctx.channel().flush();
            up.remove(this);
            ByteRelay.join(ctx.channel(), upstream, false, (in, out, cause) -> {
                log.addBytesIn(in);
                log.addBytesOut(out);
                if (cause != null) {
                    log.reason("WebSocket relay broke off: " + cause.getMessage());
                }
                forwarded.finishLog();
            });
        }
    }
}
