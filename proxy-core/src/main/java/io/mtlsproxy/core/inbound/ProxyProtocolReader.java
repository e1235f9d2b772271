package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.net.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code proxy-protocol = true}: the first bytes of every connection must be a PROXY v1 or v2 header (decoded by
 * Netty's {@link HAProxyMessageDecoder}, which goes right before this handler). The source address it names becomes
 * the connection's {@link ClientAddress}; then both handlers leave and the TLS handshake starts on the bytes that
 * follow. A connection that sends anything else, or nothing within {@code handshake-timeout}, is closed: on such a
 * listener a client that could skip the header could also forge its address. Such a refusal is counted and listed
 * on /tls/failures with reason {@code proxy_protocol}, and logged: the usual cause is a load balancer that was not
 * told to send the header. A {@code LOCAL} header (the load balancer's own health check) or an {@code UNKNOWN}
 * family keeps the socket's address.
 */
public final class ProxyProtocolReader extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolReader.class);

    private static final byte AWS_TLV = (byte) 0xEA;
    private static final byte AWS_SUBTYPE_VPCE_ID = 0x01;
    private static final java.util.regex.Pattern VPCE_ID = java.util.regex.Pattern.compile("vpce-[0-9a-f]{8,32}");

    private final long timeoutMillis;
    private final ProxyMetrics metrics;
    private final String listener;
    private ScheduledFuture<?> timer;
    /**
     * Set once the first bytes were no valid header. Netty's decoder does not stop there: it goes on decoding the
     * rest of the same read, and may find a header (and more errors) in it (found by fuzzing). This reader stays in
     * the pipeline and drops all of it, so none reaches the handlers after it, nor the pipeline's tail as a warning.
     */
    private boolean refused;

    public ProxyProtocolReader(long timeoutMillis, ProxyMetrics metrics, String listener) {
        this.timeoutMillis = timeoutMillis;
        this.metrics = requireNonNull(metrics, "metrics");
        this.listener = requireNonNull(listener, "listener");
    }

    /** The decoder that goes before this reader. */
    public static HAProxyMessageDecoder decoder() {
        return new HAProxyMessageDecoder();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(ctx);
        ctx.fireChannelActive();
        ctx.read(); // AUTO_READ is off, and whatever comes next (TLS, HTTP, a tcp relay) waits for the header
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg); // a header after bytes that were none: the connection is closing
            return;
        }
        if (!(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg); // the decoder only lets a header through: anything else is a bug
            refuse(ctx, "the connection did not start with a PROXY protocol header");
            return;
        }
        try {
            InetSocketAddress source = source(header);
            if (source != null) {
                ctx.channel().attr(ClientAddress.PROXIED).set(source);
            }
            String vpce = awsVpceId(header);
            if (vpce != null) {
                ctx.channel().attr(ClientAddress.AWS_VPCE_ID).set(vpce);
            }
        } finally {
            header.release();
        }
        cancel();
        ctx.pipeline().remove(this);
        ctx.read(); // AUTO_READ is off: the TLS handshake (or request) needs the next bytes
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (refused) {
            return; // the decoder goes on through the rest of the read it failed in: one close is enough
        }
        refuse(ctx, "the connection did not start with a valid PROXY protocol header (v1 or v2)");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    /** The proxied client, or null to keep the socket's address (LOCAL, UNKNOWN, UNIX). */
    static InetSocketAddress source(HAProxyMessage header) {
        if (header.command() == HAProxyCommand.LOCAL || header.sourceAddress() == null) {
            return null;
        }
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        if (family != HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                && family != HAProxyProxiedProtocol.AddressFamily.AF_IPv6) {
            return null;
        }
        // the decoder validated the literal; turning it into bytes never asks DNS
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(header.sourceAddress());
        if (ip == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), header.sourcePort());
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * AWS's TLV (type 0xEA) with subtype 0x01 carries the VPC endpoint ID in US-ASCII: which PrivateLink consumer
     * this is. Anything that does not look like one is ignored rather than logged as a client's identity.
     */
    static String awsVpceId(HAProxyMessage header) {
        for (HAProxyTLV tlv : header.tlvs()) {
            ByteBuf value = tlv.content();
            if (tlv.typeByteValue() == AWS_TLV
                    && value.readableBytes() > 1
                    && value.getByte(value.readerIndex()) == AWS_SUBTYPE_VPCE_ID) {
                String id =
                        value.toString(value.readerIndex() + 1, value.readableBytes() - 1, StandardCharsets.US_ASCII);
                return VPCE_ID.matcher(id).matches() ? id : null;
            }
        }
        return null;
    }

    private void arm(ChannelHandlerContext ctx) {
        if (timer == null && timeoutMillis > 0) {
            timer = ctx.executor()
                    .schedule(
                            () -> refuse(
                                    ctx,
                                    "no PROXY protocol header within " + timeoutMillis + " ms (handshake-timeout)"),
                            timeoutMillis,
                            TimeUnit.MILLISECONDS);
        }
    }

    /** Counts, lists and logs the refusal once, then closes. */
    private void refuse(ChannelHandlerContext ctx, String why) {
        if (!refused) {
            refused = true;
            cancel();
            String remote = ClientAddress.hostAndPort(ctx.channel());
            LOG.info(
                    "listener {}: closed the connection from {}: {}; does the load balancer send the PROXY "
                            + "protocol (haproxy: send-proxy, nginx: proxy_protocol on)?",
                    listener,
                    remote,
                    why);
            metrics.handshakeFailed(TlsFailure.beforeHandshake(
                    listener, remote, TlsFailureReason.PROXY_PROTOCOL, why + " (proxy-protocol = true)"));
        }
        ctx.close();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
