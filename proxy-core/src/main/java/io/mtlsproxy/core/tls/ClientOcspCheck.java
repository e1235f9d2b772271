package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.OcspCheck;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.revocation.ClientOcsp;
import io.mtlsproxy.core.revocation.OcspAnswer;
import java.security.cert.X509Certificate;

/**
 * A listener's {@code ocsp.client-check} on a chain its CAs already verified: {@code revoked} is refused (reason
 * {@code revoked}); with {@code hard}, a status that is {@code unknown} or cannot be had is refused too (reason
 * {@code ocsp_unavailable}); with {@code soft} it is admitted (and counted).
 * <p>
 * Why this may block: on a listener with client-check, the handshake's certificate check runs as a Netty delegated
 * task on {@link ClientOcsp#handshakeTasks()}, not on the event loop. The handshake waits for the verdict: no
 * application data is read, and no request reaches a route, before the client is judged, exactly as with a CRL. A
 * client that fails is refused with a TLS alert and recorded on /tls/failures like any other refusal.
 */
final class ClientOcspCheck {

    private final ClientOcsp ocsp;
    private final OcspSettings settings;
    private final TrustAnchors anchors;

    ClientOcspCheck(ClientOcsp ocsp, OcspSettings settings, TrustAnchors anchors) {
        this.ocsp = ocsp;
        this.settings = requireNonNull(settings, "settings");
        this.anchors = anchors;
    }

    boolean on() {
        return settings.clientCheck() != OcspCheck.OFF;
    }

    /**
     * Judges the leaf of a verified chain. {@code mayAsk}: whether a status not cached may be asked now (a
     * delegated task may; a resumed session's re-verification on the event loop may not, and a status not cached
     * then leaves the verdict of the handshake that made the session).
     */
    void check(X509Certificate[] chain, boolean mayAsk) throws CertificateRejectedException {
        if (!on()) {
            return;
        }
        X509Certificate leaf = chain[0];
        ClientOcsp.Verdict verdict = ocsp.check(leaf, issuerOf(leaf, chain), settings.responder(), mayAsk);
        if (verdict.status().isEmpty() && !mayAsk) {
            return;
        }
        OcspAnswer.Status status = verdict.status().orElse(null);
        String subject = leaf.getSubjectX500Principal().getName();
        if (status == OcspAnswer.Status.REVOKED) {
            throw new CertificateRejectedException(
                            TlsFailureReason.REVOKED, "revoked (" + verdict.detail() + ")", subject)
                    .about(PeerIdentity.sha256Hex(leaf));
        }
        if (status != OcspAnswer.Status.GOOD && settings.clientCheck() == OcspCheck.HARD) {
            String why = status == null ? verdict.detail() : "status unknown (" + verdict.detail() + ")";
            throw new CertificateRejectedException(
                    TlsFailureReason.OCSP_UNAVAILABLE, "no OCSP status with client-check = hard: " + why, subject);
        }
    }

    /** The leaf's issuer: the next certificate the client sent when it names it, else one of the anchors. */
    private X509Certificate issuerOf(X509Certificate leaf, X509Certificate[] chain) {
        for (int i = 1; i < chain.length; i++) {
            if (chain[i].getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
                return chain[i];
            }
        }
        for (X509Certificate ca : anchors.certificates()) {
            if (ca.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
                return ca;
            }
        }
        return chain.length > 1 ? chain[1] : chain[0]; // unreachable for a verified chain
    }
}
