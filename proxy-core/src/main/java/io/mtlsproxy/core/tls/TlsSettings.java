package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.Source;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Protocol versions, cipher suites and ALPN shared by listeners and routes. */
final class TlsSettings {
    static final Set<String> ALLOWED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
    static final List<String> DEFAULT_ALPN = List.of("http/1.1");

    /**
     * Forward secrecy and AEAD only: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 for TLS 1.2 (no CBC,
     * no static RSA key exchange, no SHA-1 MACs), and the three standard TLS 1.3 suites.
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsSettings() {}

    /** The configured protocol versions, or errors for anything but TLS 1.2 and 1.3. */
    static String[] protocols(List<String> configured, Source source, String key, List<ConfigError> errors) {
        List<String> out = new ArrayList<>();
        for (String p : configured) {
            if (ALLOWED_PROTOCOLS.contains(p)) {
                out.add(p);
            } else {
                errors.add(new ConfigError(
                        source, key, "unsupported protocol " + p + " (expected: TLSv1.3 and/or TLSv1.2)"));
            }
        }
        if (configured.isEmpty()) {
            errors.add(new ConfigError(source, key, "empty (expected: TLSv1.3 and/or TLSv1.2)"));
        }
        return out.toArray(String[]::new);
    }

    /**
     * The config key prefix of a {@code tls} block ({@code listeners[0].tls}) as the loader spelled it in the keys
     * of the files it names, so that our own errors read like the loader's; {@code fallback} when none is known.
     */
    static String keyPrefix(String fallback, String... knownKeys) {
        for (String key : knownKeys) {
            int at = key == null ? -1 : key.indexOf(".tls");
            if (at > 0 && (key.length() == at + 4 || key.charAt(at + 4) == '.')) {
                return key.substring(0, at + 4);
            }
        }
        return fallback;
    }

    static ApplicationProtocolConfig alpn(List<String> protocols) {
        if (protocols.isEmpty()) {
            return ApplicationProtocolConfig.DISABLED;
        }
        // NO_ADVERTISE + ACCEPT: a peer without ALPN, or with none of ours, still gets HTTP/1.1.
        return new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                protocols);
    }

    /**
     * The bytes tcnative keeps per connection for TLS records BoringSSL writes outside a wrap: the server's first
     * flight, written while the ClientHello is read, and the session tickets, written while the client's Finished is
     * read. Netty's default, 2,048, is allocated on the first handshake and held until the connection closes,
     * although nothing uses it after the handshake: about 2 KiB of every idle connection's native memory. A smaller
     * buffer loses nothing: BoringSSL keeps what did not fit and writes it on the next wrap, straight into the
     * outgoing buffer: one more call per flight, and no change in CPU per handshake that the bench can see
     * (docs/bench.md, "Memory per idle mTLS connection").
     */
    static final int HANDSHAKE_SPILL_BYTES = 256;

    /** An OpenSSL server context with {@link #HANDSHAKE_SPILL_BYTES}; a JDK one is returned as it is. */
    static SslContext withSmallHandshakeSpill(SslContext context) {
        if (context instanceof ReferenceCountedOpenSslContext openssl) {
            openssl.setBioNonApplicationBufferSize(HANDSHAKE_SPILL_BYTES);
        }
        return context;
    }
}
