package io.mtlsproxy.bench.load;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The load generator's TLS client contexts (OpenSSL provider, i.e. netty-tcnative's BoringSSL). The client
 * offers exactly one protocol version, one cipher suite and X25519 first, so every peer negotiates
 * the same thing whatever its own preferences; the results record what was negotiated. The session cache is
 * off, so every new connection is a full handshake (the handshake figures would be meaningless otherwise).
 */
public final class ClientTls {
    public static final String TLS13_CIPHER = "TLS_AES_128_GCM_SHA256";
    public static final String TLS12_CIPHER = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    /** X25519 for the key exchange; P-256 too, because in TLS 1.2 the groups also say which ECDSA certificates the client accepts. */
    public static final String[] GROUPS = {"X25519", "P-256"};

    private ClientTls() {}

    /**
     * @param protocol {@code TLSv1.3} or {@code TLSv1.2}
     * @param trustCa the CA that signed the server's certificate (the name is verified too)
     * @param identity certificate chain and key to present, for mutual TLS
     */
    public static SslContext create(String protocol, Path trustCa, Optional<Identity> identity) throws SSLException {
        return create(protocol, trustCa, identity, false);
    }

    /**
     * @param http2 offer only {@code h2} by ALPN (the HTTP/2 rows). Nothing else is offered, so a peer that does not
     *     choose it answers with no protocol at all, and the load generator fails the row instead of falling back.
     */
    public static SslContext create(String protocol, Path trustCa, Optional<Identity> identity, boolean http2)
            throws SSLException {
        String cipher = switch (protocol) {
            case "TLSv1.3" -> TLS13_CIPHER;
            case "TLSv1.2" -> TLS12_CIPHER;
            default -> throw new IllegalArgumentException("protocol: " + protocol + " (expected: TLSv1.3 or TLSv1.2)");
        };
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                .trustManager(trustCa.toFile())
                .endpointIdentificationAlgorithm("HTTPS")
                .protocols(protocol)
                .ciphers(List.of(cipher))
                .option(OpenSslContextOption.GROUPS, GROUPS.clone());
        identity.ifPresent(id -> b.keyManager(id.chain().toFile(), id.key().toFile()));
        if (http2) {
            // NO_ADVERTISE/ACCEPT are the behaviours the OpenSSL provider supports; the choice is checked after the
            // handshake (H2Driver), where a peer that chose nothing is reported as such.
            b.applicationProtocolConfig(new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2));
        }
        SslContext context = b.build();
        ((OpenSslSessionContext) context.sessionContext()).setSessionCacheEnabled(false);
        return context;
    }

    /** The client certificate chain and key files the load generator presents. */
    public record Identity(Path chain, Path key) {
        public Identity {
            java.util.Objects.requireNonNull(chain, "chain");
            java.util.Objects.requireNonNull(key, "key");
        }
    }
}
