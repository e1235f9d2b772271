package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.TlsFailureReason;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.CertificateVerifier;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;

/**
 * A peer certificate our trust managers refused, with the exact reason (no guessing from messages later) and the
 * subject of the certificate the peer sent, for /tls/failures.
 * <p>
 * For expired, not-yet-valid and revoked certificates the cause is a {@link CertPathValidatorException} with the
 * matching {@link CertPathValidatorException.BasicReason}: both the JDK and Netty's OpenSSL engine walk the cause
 * to choose the TLS alert, so the peer learns "certificate_expired" rather than a generic "bad_certificate".
 */
public final class CertificateRejectedException extends CertificateException {
    private static final long serialVersionUID = 1L;

    private final transient TlsFailureReason reason;
    private final String peerSubject;
    private final Long clockSkewSeconds;
    /** the SHA-256 of the rejected leaf, for a revoked or denied client (so /clients can say so); else null */
    private String peerSha256;

    public CertificateRejectedException(TlsFailureReason reason, String message, String peerSubject, Throwable cause) {
        this(reason, message, peerSubject, cause, null);
    }

    private CertificateRejectedException(
            TlsFailureReason reason, String message, String peerSubject, Throwable cause, Long clockSkewSeconds) {
        super(message, cause);
        this.reason = requireNonNull(reason, "reason");
        this.peerSubject = peerSubject;
        this.clockSkewSeconds = clockSkewSeconds;
    }

    /**
     * An {@code expired} or {@code not_yet_valid} rejection of {@code cert} at {@code now}, with how far off the
     * clock would have to be for it to pass: now − notAfter, or notBefore − now (a wrong clock or a dead
     * certificate: seconds point to the first, months to the second).
     */
    public static CertificateRejectedException outsideValidity(
            java.security.cert.X509Certificate cert,
            java.time.Instant now,
            String message,
            String peerSubject,
            Throwable cause) {
        boolean expired = !now.isBefore(cert.getNotAfter().toInstant());
        TlsFailureReason reason = expired ? TlsFailureReason.EXPIRED : TlsFailureReason.NOT_YET_VALID;
        long skew = expired
                ? now.getEpochSecond() - cert.getNotAfter().toInstant().getEpochSecond()
                : cert.getNotBefore().toInstant().getEpochSecond() - now.getEpochSecond();
        return new CertificateRejectedException(
                reason, message, peerSubject, cause != null ? cause : alertCause(reason, message), skew);
    }

    /** For {@code expired} and {@code not_yet_valid}: see {@link #outsideValidity}; null otherwise. */
    public Long clockSkewSeconds() {
        return clockSkewSeconds;
    }

    public CertificateRejectedException(TlsFailureReason reason, String message, String peerSubject) {
        this(reason, message, peerSubject, alertCause(reason, message));
    }

    /** Names the rejected leaf (hex SHA-256); returns this. */
    CertificateRejectedException about(String sha256) {
        this.peerSha256 = sha256;
        return this;
    }

    /** The rejected leaf's SHA-256 when {@link #about} named it, else null. */
    public String peerSha256() {
        return peerSha256;
    }

    public TlsFailureReason reason() {
        return reason;
    }

    /** The subject of the peer's leaf certificate (RFC 2253), or null when none was sent. */
    public String peerSubject() {
        return peerSubject;
    }

    /**
     * This rejection as Netty's OpenSSL engine must see it to send the alert that names the cause: it asks
     * BoringSSL for the alert of an OpenSSL verify error, and without one it sends internal_error (80). The JDK
     * engine chooses its alert from the cause above instead, so it gets the rejection itself.
     */
    public CertificateException forEngine(SslProvider provider) {
        if (provider == SslProvider.JDK) {
            return this;
        }
        int verifyError = switch (reason) {
            case UNKNOWN_CA -> CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY; // unknown_ca
            case EXPIRED -> CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED; // certificate_expired
            case REVOKED -> CertificateVerifier.X509_V_ERR_CERT_REVOKED; // certificate_revoked
            default -> CertificateVerifier.X509_V_ERR_CERT_REJECTED; // bad_certificate
        };
        return new OpenSslCertificateException(getMessage(), this, verifyError);
    }

    private static Throwable alertCause(TlsFailureReason reason, String message) {
        CertPathValidatorException.BasicReason basic = switch (reason) {
            case EXPIRED -> CertPathValidatorException.BasicReason.EXPIRED;
            case NOT_YET_VALID -> CertPathValidatorException.BasicReason.NOT_YET_VALID;
            case REVOKED -> CertPathValidatorException.BasicReason.REVOKED;
            default -> null;
        };
        return basic == null ? null : new CertPathValidatorException(message, null, null, -1, basic);
    }
}
