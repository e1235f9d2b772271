package io.mtlsproxy.core.renew.acme;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.DnsNames;
import io.netty.handler.ssl.SslContext;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLException;

/**
 * The board where an ACME issuer pins the answers to its pending challenges and where the listeners read them:
 * http-01 token → key authorization, tls-alpn-01 domain → the validation TLS context. One instance lives as long
 * as the process ({@code ProxyServer.acmeChallenges()}), so answers survive reloads. Thread-safe: the issuer
 * writes from the renewal thread, event loops only read.
 */
public final class AcmeChallenges {
    private final ConcurrentMap<String, String> http01 = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, SslContext> tlsAlpn01 = new ConcurrentHashMap<>();

    /** Something pinned on the board; {@link #close()} takes exactly it down again (idempotent). */
    public interface Publication extends AutoCloseable {
        @Override
        void close();
    }

    /** Answers {@code GET /.well-known/acme-challenge/TOKEN} with {@code keyAuthorization} until closed. */
    public Publication publishHttp01(String token, String keyAuthorization) {
        requireNonNull(token, "token");
        requireNonNull(keyAuthorization, "keyAuthorization");
        http01.put(token, keyAuthorization);
        return () -> http01.remove(token, keyAuthorization);
    }

    /**
     * Answers a tls-alpn-01 validation handshake for {@code domain} with {@code certificate} (acme4j's
     * {@code TlsAlpn01Challenge.createCertificate}) until closed. The TLS context is built here, once per
     * challenge, on the caller's thread (never on an event loop).
     */
    public Publication publishTlsAlpn01(String domain, KeyPair key, X509Certificate certificate) throws SSLException {
        String name = DnsNames.normalize(domain);
        SslContext context = ValidationTlsContext.build(key, certificate);
        tlsAlpn01.put(name, context);
        return () -> tlsAlpn01.remove(name, context);
    }

    /** The key authorization for an http-01 token, if a challenge for it is pending. */
    public Optional<String> http01(String token) {
        return Optional.ofNullable(http01.get(token));
    }

    /** The validation context for a tls-alpn-01 SNI name ({@link DnsNames#normalize normalized}), if pending. */
    public Optional<SslContext> tlsAlpn01(String serverName) {
        return Optional.ofNullable(tlsAlpn01.get(serverName));
    }

    /** How many answers are pinned: 0 once every issuance has finished, successful or not. */
    public int pending() {
        return http01.size() + tlsAlpn01.size();
    }
}
