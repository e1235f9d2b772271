package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.UpstreamTls;
import io.mtlsproxy.config.UpstreamTlsMode;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;

/**
 * A route's outbound TLS, built once per load or reload: trust anchors, optional client identity, SNI,
 * hostname verification and SPIFFE ID pinning.
 * STUB: minimal PEM-only implementation so the data path can be built; core.tls replaces the body.
 */
public final class ClientTls {
    private final SslContext context;
    private final UpstreamTls settings;
    private final List<CertificateUse> certificates;

    private ClientTls(SslContext context, UpstreamTls settings, List<CertificateUse> certificates) {
        this.context = requireNonNull(context, "context");
        this.settings = requireNonNull(settings, "settings");
        this.certificates = List.copyOf(certificates);
    }

    /** Builds the context of a {@code tls} or {@code mtls} route; every problem is reported at once. */
    public static ClientTls build(RouteConfig route) throws ConfigException {
        UpstreamTls tls = route.upstream().tls();
        if (tls.mode() == UpstreamTlsMode.PLAIN) {
            throw new IllegalArgumentException("route " + route.name() + " has upstream.tls.mode = plain");
        }
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(TlsProvider.provider());
            if (tls.trustCa().isPresent()) {
                b.trustManager(tls.trustCa().get().path().toFile());
            }
            if (tls.mode() == UpstreamTlsMode.MTLS) {
                var km = tls.clientIdentity().orElseThrow();
                b.keyManager(km.cert().orElseThrow().path().toFile(), km.key().orElseThrow().path().toFile());
            }
            return new ClientTls(b.build(), tls, List.of());
        } catch (Exception e) {
            throw new ConfigException(new ConfigError(route.source(), "routes." + route.name() + ".upstream.tls",
                    String.valueOf(e.getMessage())));
        }
    }

    /** A handler for one upstream connection: SNI and hostname verification set for that endpoint. */
    public SslHandler newHandler(ByteBufAllocator alloc, Endpoint endpoint) {
        String name = settings.serverName().orElse(endpoint.host());
        SslHandler handler = context.newHandler(alloc, name, endpoint.port());
        if (settings.verifyHostname()) {
            SSLEngine engine = handler.engine();
            SSLParameters p = engine.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(p);
        }
        return handler;
    }

    /** Trust anchors and the client certificate, for the inventory. */
    public List<CertificateUse> certificates() {
        return certificates;
    }
}
