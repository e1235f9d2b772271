package io.mtlsproxy.core.tcp;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.admission.Admission;
import io.mtlsproxy.core.admission.Verdict;
import io.mtlsproxy.core.forward.ForwardingContext;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.relay.ByteRelay;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.upstream.UpstreamAttempt;
import io.mtlsproxy.core.upstream.UpstreamFailure;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A {@code protocol = tcp} route's side of a client connection, after TLS termination: asks {@link Admission}
 * (a denied client is closed, counted in {@code mtls_proxy_identity_denials_total}), opens a
 * dedicated origin connection (plain, TLS or mTLS as the route says) and joins the two in a {@link ByteRelay}.
 * <p>
 * Each connection is one entry in the access log and in {@code mtls_proxy_requests_total}, written when it closes:
 * method {@code TCP}, path = the SNI, bytes in and out, and a status in HTTP's terms so that dashboards read it
 * alike: 200 relayed, 403/495/496 identity, 502/503 origin unreachable, 499 client gone before the origin answered.
 */
public final class TcpProxy extends ChannelInboundHandlerAdapter {
    private final ForwardingContext fc;
    private final Route route;
    private final InboundConnection conn;
    private final String sni;
    private final long startNanos = System.nanoTime();
    private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();
    private UpstreamAttempt attempt;
    private String reason;
    private boolean joined;
    private boolean clientFinished;
    private boolean logged;

    public TcpProxy(ForwardingContext fc, Route route, InboundConnection conn, String sni) {
        this.fc = requireNonNull(fc, "fc");
        this.route = requireNonNull(route, "route");
        this.conn = requireNonNull(conn, "conn");
        this.sni = sni;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // a client may send its request and shut its side before the origin is even connected
        ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        Verdict verdict = Admission.tcp(route, conn, fc.metrics());
        if (verdict instanceof Verdict.Answer a) {
            finish(a.status(), a.reason(), 0, 0);
            ctx.close();
            return;
        }
        reason = ((Verdict.Forward) verdict).note();
        attempt = new UpstreamAttempt(
                fc.pools(), route.upstream(), fc.metrics(), ctx.channel().eventLoop());
        UpstreamFailure none = attempt.pick();
        if (none != null) {
            finish(none.status(), none.getMessage(), 0, 0);
            ctx.close();
            return;
        }
        Future<Channel> f = attempt.open(p -> {});
        f.addListener(x -> connected(ctx, f));
    }

    private void connected(ChannelHandlerContext ctx, Future<Channel> f) {
        if (!f.isSuccess()) {
            UpstreamFailure failure = attempt.failed(f.cause());
            finish(failure.status(), failure.getMessage(), 0, 0);
            ctx.close();
            return;
        }
        Channel origin = f.getNow();
        if (!ctx.channel().isActive()) {
            origin.close();
            return; // channelInactive logged it
        }
        attempt.succeeded();
        joined = true;
        long early = 0;
        ByteBuf b;
        while ((b = this.early.poll()) != null) {
            early += b.readableBytes();
            origin.write(b, origin.voidPromise());
        }
        origin.flush();
        long sentEarly = early;
        ctx.pipeline().remove(this);
        ByteRelay.join(
                ctx.channel(),
                origin,
                clientFinished,
                (in, out, cause) -> finish(
                        200, cause == null ? null : "relay broke off: " + cause.getMessage(), in + sentEarly, out));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent) {
            clientFinished = true; // join() hands it to the relay, which shuts the origin's side at once
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            early.add(b); // before the origin answered (e.g. with the PROXY header's read): sent once it did
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseEarly();
        if (!joined) {
            finish(499, "client closed the connection before the origin answered", 0, 0);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseEarly();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void releaseEarly() {
        ByteBuf b;
        while ((b = early.poll()) != null) {
            b.release();
        }
    }

    private void finish(int status, String why, long bytesIn, long bytesOut) {
        if (logged) {
            return;
        }
        logged = true;
        String note = reason == null ? why : why == null ? reason : reason + "; " + why;
        long nanos = System.nanoTime() - startNanos;
        fc.metrics().requestCompleted(conn.listener(), route.name(), status, nanos);
        if (fc.accessLog().enabled()) {
            PeerIdentity peer = conn.peer();
            fc.accessLog()
                    .log(new AccessLogEntry(
                            Instant.now(),
                            conn.listener(),
                            route.name(),
                            conn.remoteAddress(),
                            "TCP",
                            sni == null ? "-" : sni,
                            status,
                            bytesIn,
                            bytesOut,
                            nanos / 1000,
                            attempt == null || attempt.endpoint() == null
                                    ? null
                                    : attempt.endpoint().toString(),
                            peer.subject(),
                            peer.presented() ? peer.uriSans() : List.of(),
                            peer.sha256(),
                            peer.issuer(),
                            peer.serial(),
                            note,
                            conn.awsVpceId(),
                            null, // no request: no request ID or user agent
                            null,
                            conn.tlsVersion(),
                            conn.cipher(),
                            sni,
                            -1,
                            -1,
                            0));
        }
    }
}
