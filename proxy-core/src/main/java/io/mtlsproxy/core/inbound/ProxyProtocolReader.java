package io.mtlsproxy.core.inbound;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

/**
 * {@code proxy-protocol = true}: the first bytes of every connection must be a PROXY v1 or v2 header (decoded by
 * Netty's {@link HAProxyMessageDecoder}, which goes right before this handler). The source address it names becomes
 * the connection's {@link ClientAddress}; then both handlers leave and the TLS handshake starts on the bytes that
 * follow. A connection that sends anything else, or nothing within {@code handshake-timeout}, is closed: on such a
 * listener a client that could skip the header could also forge its address. A {@code LOCAL} header (the load
 * balancer's own health check) or an {@code UNKNOWN} family keeps the socket's address.
 */
public final class ProxyProtocolReader extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolReader.class);

    private static final byte AWS_TLV = (byte) 0xEA;
    private static final byte AWS_SUBTYPE_VPCE_ID = 0x01;
    private static final java.util.regex.Pattern VPCE_ID = java.util.regex.Pattern.compile("vpce-[0-9a-f]{8,32}");

    private final long timeoutMillis;
    private ScheduledFuture<?> timer;

    public ProxyProtocolReader(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
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
        if (!(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg); // the decoder only lets a header through: anything else is a bug
            ctx.close();
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
        LOG.debug("closing {}: no valid PROXY protocol header ({})", ctx.channel().remoteAddress(),
                cause.getMessage());
        ctx.close();
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
            if (tlv.typeByteValue() == AWS_TLV && value.readableBytes() > 1
                    && value.getByte(value.readerIndex()) == AWS_SUBTYPE_VPCE_ID) {
                String id = value.toString(value.readerIndex() + 1, value.readableBytes() - 1,
                        StandardCharsets.US_ASCII);
                return VPCE_ID.matcher(id).matches() ? id : null;
            }
        }
        return null;
    }

    private void arm(ChannelHandlerContext ctx) {
        if (timer == null && timeoutMillis > 0) {
            timer = ctx.executor().schedule(() -> {
                LOG.debug("closing {}: no PROXY protocol header within {} ms", ctx.channel().remoteAddress(),
                        timeoutMillis);
                ctx.close();
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
