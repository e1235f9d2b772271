package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import java.util.List;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.KeyMaterial;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.TlsMode;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.Mapping;

/**
 * A listener's TLS, built once per load or reload: one SslContext per server certificate, chosen by SNI.
 * STUB: minimal PEM-only implementation so the data path can be built; core.tls replaces the body.
 */
public final class ServerTls {
    private final SslContext defaultContext;
    private final Mapping<String, SslContext> sniMapping;
    private final List<CertificateUse> certificates;
    private final List<CrlUse> crls;

    private ServerTls(SslContext defaultContext, Mapping<String, SslContext> sniMapping,
                      List<CertificateUse> certificates, List<CrlUse> crls) {
        this.defaultContext = requireNonNull(defaultContext, "defaultContext");
        this.sniMapping = requireNonNull(sniMapping, "sniMapping");
        this.certificates = List.copyOf(certificates);
        this.crls = List.copyOf(crls);
    }

    /** Builds the contexts of a {@code tls} or {@code mtls} listener; every problem is reported at once. */
    public static ServerTls build(ListenerConfig listener) throws ConfigException {
        if (listener.tls().mode() == TlsMode.NONE) {
            throw new IllegalArgumentException("listener " + listener.name() + " has tls.mode = none");
        }
        KeyMaterial km = listener.tls().certificates().get(0);
        try {
            SslContextBuilder b = SslContextBuilder.forServer(km.cert().orElseThrow().path().toFile(),
                    km.key().orElseThrow().path().toFile()).sslProvider(TlsProvider.provider());
            if (listener.tls().mode() == TlsMode.MTLS) {
                b.trustManager(listener.tls().clientCa().orElseThrow().path().toFile())
                        .clientAuth(listener.tls().clientAuth() == io.mtlsproxy.config.ClientAuth.REQUIRED
                                ? io.netty.handler.ssl.ClientAuth.REQUIRE : io.netty.handler.ssl.ClientAuth.OPTIONAL);
            }
            SslContext ctx = b.build();
            return new ServerTls(ctx, host -> ctx, List.of(), List.of());
        } catch (Exception e) {
            throw new ConfigException(new ConfigError(km.source(), km.keyPath(), String.valueOf(e.getMessage())));
        }
    }

    /** The context of the first certificate: used when the client sends no SNI or an unknown name. */
    public SslContext defaultContext() {
        return defaultContext;
    }

    /** For Netty's SniHandler: the context whose certificate's SANs cover the name, else the default. */
    public Mapping<String, SslContext> sniMapping() {
        return sniMapping;
    }

    /** Server certificates and client CAs, for the inventory. */
    public List<CertificateUse> certificates() {
        return certificates;
    }

    public List<CrlUse> crls() {
        return crls;
    }
}
