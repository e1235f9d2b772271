package io.mtlsproxy.core.identity;

import io.mtlsproxy.core.certs.CertificateDescription;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The client's certificate identity, stored on the channel once after the handshake and read everywhere else
 * (routing policy, forwarded headers, access log). {@code verified} is false when a certificate was presented
 * but failed verification under {@code client-auth = optional}; {@code verificationError} then says why.
 * {@code subject} is RFC 2253 as {@link javax.security.auth.x500.X500Principal#getName()} prints it;
 * {@code sha256} the lowercase hex SHA-256 of the leaf's DER; {@code issuer} (RFC 2253) and {@code serial} (lowercase
 * hex, as /certs spells it) tell the CA apart during a client-CA rollover. {@code notAfter} is the leaf's (null
 * when none was presented), kept with the rest so that the handshake's lazily parsed certificate is not parsed for it.
 */
public record PeerIdentity(
        List<X509Certificate> chain,
        boolean verified,
        String verificationError,
        String subject,
        List<String> dnsSans,
        List<String> uriSans,
        String sha256,
        String issuer,
        String serial,
        Instant notAfter) {
    public static final AttributeKey<PeerIdentity> KEY = AttributeKey.valueOf("mtls-proxy.peer-identity");

    /** No certificate presented. */
    public static final PeerIdentity ANONYMOUS =
            new PeerIdentity(List.of(), false, null, null, List.of(), List.of(), null, null, null, null);

    public PeerIdentity {
        chain = List.copyOf(chain);
        dnsSans = List.copyOf(dnsSans);
        uriSans = List.copyOf(uriSans);
    }

    /**
     * The identity of a completed handshake: the peer's chain and the verdict the trust manager recorded (or, for
     * a resumed session, the verdict re-derived; see {@link ClientVerification}). Call once per handshake.
     */
    public static PeerIdentity fromHandshake(SslHandler handler) {
        SSLSession session = handler.engine().getSession();
        Certificate[] certs;
        try {
            certs = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return ANONYMOUS;
        }
        if (certs == null || certs.length == 0) {
            return ANONYMOUS;
        }
        X509Certificate[] chain = new X509Certificate[certs.length];
        for (int i = 0; i < certs.length; i++) {
            chain[i] = (X509Certificate) certs[i];
        }
        ClientVerification.Outcome outcome = ClientVerification.outcomeOf(session, chain);
        return of(List.of(chain), outcome.verified(), outcome.error());
    }

    /** An identity for a chain with a known verdict (also for tests and tools). */
    public static PeerIdentity of(List<X509Certificate> chain, boolean verified, String verificationError) {
        if (chain.isEmpty()) {
            return ANONYMOUS;
        }
        LeafFacts leaf = LeafFacts.of(chain.get(0));
        return new PeerIdentity(
                chain,
                verified,
                verified ? null : verificationError,
                leaf.subject(),
                leaf.dnsSans(),
                leaf.uriSans(),
                leaf.sha256(),
                leaf.issuer(),
                leaf.serial(),
                leaf.notAfter());
    }

    /** Lowercase hex SHA-256 of the certificate's DER, without separators. */
    public static String sha256Hex(X509Certificate certificate) {
        return CertificateDescription.sha256(certificate);
    }

    public boolean presented() {
        return !chain.isEmpty();
    }

    public X509Certificate leaf() {
        return chain.isEmpty() ? null : chain.get(0);
    }
}
