package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.net.ClientAddress;
import io.mtlsproxy.core.net.LingeringClose;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * On a TLS listener, answers a plain HTTP request with 400 as nginx does, instead of a handshake that dies
 * silently: one peek at the first byte. A TLS record starts with its content type (22 for a ClientHello), an
 * HTTP request with an upper-case method name, so nothing that is TLS is ever taken for HTTP. The answer is
 * listed on /tls/failures (reason {@code other}) and the connection closed after it; otherwise this handler
 * leaves the pipeline at the first byte, which it hands to the handshake observer of a listener without SniHandler
 * (the SNI of a handshake refused in the read that brought the ClientHello is read from it).
 */
public final class PlainHttpOnTlsPort extends ChannelInboundHandlerAdapter {
    static final String MESSAGE = "The plain HTTP request was sent to HTTPS port";
    private static final byte[] ANSWER = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: " + (MESSAGE.length() + 1) + "\r\nConnection: close\r\n\r\n" + MESSAGE + "\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final ProxyMetrics metrics;
    private final String listener;
    /** null behind a SniHandler, which reads the ClientHello itself */
    private final HandshakeObserver handshake;

    private boolean answered;

    /** {@code handshake}: the observer to hand a TLS connection's first bytes to, or null. */
    public PlainHttpOnTlsPort(ProxyMetrics metrics, String listener, HandshakeObserver handshake) {
        this.metrics = requireNonNull(metrics, "metrics");
        this.listener = requireNonNull(listener, "listener");
        this.handshake = handshake;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (answered) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof ByteBuf bytes) || !bytes.isReadable()) {
            ctx.fireChannelRead(msg);
            return;
        }
        byte first = bytes.getByte(bytes.readerIndex());
        if (first < 'A' || first > 'Z') {
            if (handshake != null) {
                handshake.firstRead(ctx.channel(), bytes);
            }
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        bytes.release();
        answered = true;
        metrics.handshakeFailed(TlsFailure.beforeHandshake(
                listener,
                ClientAddress.hostAndPort(ctx.channel()),
                TlsFailureReason.OTHER,
                "a plain HTTP request was sent to this TLS port (answered 400)"));
        LingeringClose.arm(ctx.channel()); // let the client read the answer even if it is still sending
        ctx.writeAndFlush(Unpooled.wrappedBuffer(ANSWER)).addListener(ChannelFutureListener.CLOSE);
    }
}
