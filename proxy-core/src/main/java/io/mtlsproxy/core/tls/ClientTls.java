package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

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
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.NetUtil;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * A route's outbound TLS, built once per load or reload: the route's own trust anchors (or the JDK's default
 * trust store when {@code trust-ca} is absent), its client identity in mode {@code mtls}, SNI, hostname
 * verification and SPIFFE ID pinning. Verification is done by our trust manager, not by the engine's endpoint
 * identification, so that it behaves the same on BoringSSL and the JDK and every rejection carries its reason.
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

    /** Builds the context of a {@code tls} or {@code mtls} route offering ALPN {@code http/1.1}. */
    public static ClientTls build(RouteConfig route) throws ConfigException {
        return build(route, TlsSettings.DEFAULT_ALPN);
    }

    /** As {@link #build(RouteConfig)}, offering these ALPN protocols in preference order (e.g. h2). */
    public static ClientTls build(RouteConfig route, List<String> alpnProtocols) throws ConfigException {
        return build(route, alpnProtocols, TlsProvider.provider());
    }

    /** Every problem of the route is reported at once. */
    static ClientTls build(RouteConfig route, List<String> alpnProtocols, SslProvider provider) throws ConfigException {
        UpstreamTls tls = route.upstream().tls();
        if (tls.mode() == UpstreamTlsMode.PLAIN) {
            throw new IllegalArgumentException("route " + route.name() + " has upstream.tls.mode = plain");
        }
        String prefix = TlsSettings.keyPrefix(
                "routes." + route.name() + ".upstream.tls",
                tls.trustCa().map(f -> f.key()).orElse(null),
                tls.clientIdentity().map(k -> k.keyPath()).orElse(null));
        List<ConfigError> errors = new ArrayList<>();
        TrustAnchors anchors = null;
        if (tls.trustCa().isPresent()) {
            try {
                anchors = TrustAnchors.load(tls.trustCa().get(), java.util.Optional.empty());
            } catch (ConfigException e) {
                errors.addAll(e.errors());
            }
        } else {
            anchors = TrustAnchors.jdkDefault();
        }
        LoadedKey identity = null;
        if (tls.mode() == UpstreamTlsMode.MTLS) {
            if (tls.clientIdentity().isEmpty()) {
                errors.add(new ConfigError(
                        route.source(),
                        prefix,
                        "no client identity (expected: cert and key, or keystore, when mode = mtls)"));
            } else {
                try {
                    identity = CertificateLoader.load(tls.clientIdentity().get());
                } catch (ConfigException e) {
                    errors.addAll(e.errors());
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        SslContext context;
        try {
            SslContextBuilder b = SslContextBuilder.forClient()
                    .sslProvider(provider)
                    .protocols(TlsSettings.ALLOWED_PROTOCOLS.toArray(String[]::new))
                    .ciphers(TlsSettings.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(TlsSettings.alpn(alpnProtocols))
                    // Netty 4.2 turns the engine's own hostname check on by default; ours runs in the trust manager
                    // (same on both providers, honours verify-hostname = false, and says why it failed).
                    .endpointIdentificationAlgorithm(null)
                    .trustManager(new OriginTrustManager(anchors, tls.verifyHostname(), tls.expectedUriSans()));
            if (identity != null) {
                b.keyManager(identity.privateKey(), identity.chainArray());
            }
            context = b.build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException(
                    new ConfigError(route.source(), prefix, "cannot build the TLS context: " + e.getMessage()));
        }
        return new ClientTls(context, tls, inventory(route, tls, anchors, identity));
    }

    private static List<CertificateUse> inventory(
            RouteConfig route, UpstreamTls tls, TrustAnchors anchors, LoadedKey identity) {
        List<CertificateUse> out = new ArrayList<>();
        if (tls.trustCa().isPresent()) { // the JDK's own store is the JDK's business, not this route's inventory
            for (X509Certificate ca : anchors.certificates()) {
                out.add(new CertificateUse(
                        CertificateUse.UPSTREAM_TRUST,
                        route.name(),
                        tls.trustCa().get().path(),
                        ca));
            }
        }
        if (identity != null) {
            out.add(new CertificateUse(
                    CertificateUse.UPSTREAM_CLIENT,
                    route.name(),
                    identity.certificateFile().path(),
                    identity.leaf()));
        }
        return out;
    }

    /**
     * A handler for one upstream connection. The name dialled is {@code server-name}, else the endpoint host: it is
     * sent as SNI (never for an IP literal, RFC 6066) and verified against the origin's SANs.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, Endpoint endpoint) {
        String name = settings.serverName().orElse(endpoint.host());
        SslHandler handler = context.newHandler(alloc, name, endpoint.port());
        SSLEngine engine = handler.engine();
        SSLParameters p = engine.getSSLParameters();
        String bare = name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
        if (NetUtil.isValidIpV4Address(bare) || NetUtil.isValidIpV6Address(bare)) {
            p.setServerNames(List.of());
        } else {
            try {
                p.setServerNames(List.of(new SNIHostName(bare)));
            } catch (IllegalArgumentException e) {
                p.setServerNames(List.of()); // not a valid SNI name (e.g. an underscore): verified, not sent
            }
        }
        engine.setSSLParameters(p);
        return handler;
    }

    /** The name this route verifies and sends as SNI for an endpoint. */
    public String serverName(Endpoint endpoint) {
        return settings.serverName().orElse(endpoint.host());
    }

    public SslContext context() {
        return context;
    }

    /** Trust anchors and the client certificate, for the inventory. */
    public List<CertificateUse> certificates() {
        return certificates;
    }
}
