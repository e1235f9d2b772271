package io.mtlsproxy.core.identity;

import java.security.cert.X509Certificate;
import java.util.List;

import io.netty.util.AttributeKey;

/**
 * The client's certificate identity, stored on the channel once after the handshake and read everywhere else
 * (routing policy, forwarded headers, access log). {@code verified} is false when a certificate was presented
 * but failed verification under {@code client-auth = optional}; {@code verificationError} then says why.
 * STUB: core.identity fills in how it is built.
 */
public record PeerIdentity(List<X509Certificate> chain, boolean verified, String verificationError,
                           String subject, List<String> dnsSans, List<String> uriSans, String sha256) {
    public static final AttributeKey<PeerIdentity> KEY = AttributeKey.valueOf("mtls-proxy.peer-identity");

    /** No certificate presented. */
    public static final PeerIdentity ANONYMOUS = new PeerIdentity(List.of(), false, null, null, List.of(),
            List.of(), null);

    public PeerIdentity {
        chain = List.copyOf(chain);
        dnsSans = List.copyOf(dnsSans);
        uriSans = List.copyOf(uriSans);
    }

    /**
     * The identity of a completed handshake: the peer's chain as verified, or the failed verification recorded
     * during an optional-client-auth handshake. STUB: core.identity owns the real extraction.
     */
    public static PeerIdentity fromHandshake(io.netty.handler.ssl.SslHandler handler) {
        try {
            java.security.cert.Certificate[] certs = handler.engine().getSession().getPeerCertificates();
            List<X509Certificate> chain = new java.util.ArrayList<>();
            for (var c : certs) {
                chain.add((X509Certificate) c);
            }
            X509Certificate leaf = chain.get(0);
            return new PeerIdentity(chain, true, null, leaf.getSubjectX500Principal().getName(), List.of(), List.of(),
                    null);
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return ANONYMOUS;
        }
    }

    public boolean presented() {
        return !chain.isEmpty();
    }

    public X509Certificate leaf() {
        return chain.isEmpty() ? null : chain.get(0);
    }
}
