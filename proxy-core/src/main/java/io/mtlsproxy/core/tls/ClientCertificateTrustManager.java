package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.ClientVerification;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.netty.handler.ssl.SslProvider;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;
import javax.net.ssl.SSLEngine;

/**
 * A listener's verdict on client certificates. With {@code client-auth = required} a rejection fails the
 * handshake (the exception carries the reason). With {@code optional} it never throws: it records the verdict in
 * the handshake session ({@link ClientVerification}) so that routes can answer 495, and the client still gets a
 * TLS connection on which to read that answer.
 */
final class ClientCertificateTrustManager extends OneSidedTrustManager implements ClientVerification.Verifier {
    private final ChainVerifier verifier;
    private final boolean optional;
    private final SslProvider provider;
    private final X509Certificate[] acceptedIssuers;
    private final ClientDenyList deny;
    private final ClientOcspCheck ocsp;
    /** chains this manager verified: a reconnecting client skips the Java path validation (see VerifiedChains) */
    private final VerifiedChains verified = new VerifiedChains(VerifiedChains.CAPACITY);

    ClientCertificateTrustManager(
            TrustAnchors anchors,
            int verifyDepth,
            boolean optional,
            SslProvider provider,
            ClientDenyList deny,
            ClientOcspCheck ocsp) {
        this.deny = requireNonNull(deny, "deny");
        this.ocsp = requireNonNull(ocsp, "ocsp");
        this.verifier =
                new ChainVerifier(requireNonNull(anchors, "anchors"), ChainVerifier.Purpose.CLIENT, verifyDepth);
        this.optional = optional;
        this.provider = requireNonNull(provider, "provider");
        // Sent in the CertificateRequest so that clients holding several certificates pick one of ours.
        this.acceptedIssuers = anchors.certificates().toArray(X509Certificate[]::new);
    }

    @Override
    public ClientVerification.Outcome verify(X509Certificate[] chain) {
        try {
            verifyAndCheckDenied(chain);
            ocsp.check(chain, false); // may run on an event loop (a resumed session): the cache only
            return ClientVerification.Outcome.VERIFIED;
        } catch (CertificateRejectedException e) {
            return ClientVerification.Outcome.failed(e.reason(), e.getMessage());
        }
    }

    @Override
    void checkClient(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        try {
            verifyAndCheckDenied(chain);
            ocsp.check(chain, true); // a delegated task when client-check is on (see ClientOcspCheck)
            if (engine != null) {
                ClientVerification.record(engine, ClientVerification.Outcome.VERIFIED);
            }
        } catch (CertificateRejectedException e) {
            if (engine != null) {
                ClientVerification.record(engine, ClientVerification.Outcome.failed(e.reason(), e.getMessage()));
            }
            if (!optional || engine == null) {
                throw e.forEngine(provider);
            }
        }
    }

    /** The chain first: a deny entry never tells an unknown client that its certificate is known. */
    private void verifyAndCheckDenied(X509Certificate[] chain) throws CertificateRejectedException {
        Instant now = Instant.now();
        ByteBuffer key = VerifiedChains.keyOf(chain);
        if (!verified.verified(key, now)) {
            try {
                verified.remember(key, verifier.verify(chain, now));
            } catch (CertificateRejectedException e) {
                throw e.reason() == TlsFailureReason.REVOKED ? e.about(PeerIdentity.sha256Hex(chain[0])) : e;
            }
        }
        X509Certificate leaf = chain[0];
        Optional<String> entry = deny.match(leaf);
        if (entry.isPresent()) {
            throw new CertificateRejectedException(
                            TlsFailureReason.DENIED,
                            "denied by tls.deny (" + entry.get() + ")",
                            leaf.getSubjectX500Principal().getName())
                    .about(PeerIdentity.sha256Hex(leaf));
        }
    }

    /** How many verified chains this manager remembers (for tests). */
    int rememberedChains() {
        return verified.size();
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return acceptedIssuers.clone();
    }
}
