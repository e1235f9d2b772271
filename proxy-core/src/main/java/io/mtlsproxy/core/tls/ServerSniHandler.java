package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;

/**
 * Netty's SniHandler, making each connection's SslHandler through its listener's {@link ServerTls}, so that the
 * handler carries the certificate's OCSP staple and, with OCSP client checks, runs its certificate check off the
 * event loop. Made at accept: the handshake timeout counts from then, and the SslHandler gets what is left of it
 * once the ClientHello is in, so that one {@code handshake-timeout} covers the hello and the handshake together,
 * as on a listener without SNI handler (and as nginx's {@code ssl_handshake_timeout} does).
 */
public final class ServerSniHandler extends SniHandler {
    private final ServerTls tls;
    private final long acceptedAt = System.nanoTime();

    public ServerSniHandler(ServerTls tls, long handshakeTimeoutMillis) {
        super(tls.sniMapping(), handshakeTimeoutMillis);
        this.tls = requireNonNull(tls, "tls");
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        return tls.newHandler(context, allocator, timeLeftMillis());
    }

    /** What is left of the handshake timeout; at least 1 ms, as 0 would mean none. */
    private long timeLeftMillis() {
        if (handshakeTimeoutMillis <= 0) {
            return handshakeTimeoutMillis; // no timeout configured
        }
        long spent = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedAt);
        return Math.max(1, handshakeTimeoutMillis - spent);
    }
}
