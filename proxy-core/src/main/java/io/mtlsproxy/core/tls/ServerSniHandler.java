package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * Netty's SniHandler, making each connection's SslHandler through its listener's {@link ServerTls}, so that the
 * handler carries the certificate's OCSP staple and, with OCSP client checks, runs its certificate check off the
 * event loop.
 */
public final class ServerSniHandler extends SniHandler {
    private final ServerTls tls;

    public ServerSniHandler(ServerTls tls, long handshakeTimeoutMillis) {
        super(tls.sniMapping(), handshakeTimeoutMillis);
        this.tls = requireNonNull(tls, "tls");
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        return tls.newHandler(context, allocator, handshakeTimeoutMillis);
    }
}
