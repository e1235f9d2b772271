package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;

import io.mtlsproxy.core.metrics.TlsFailureReason;

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

    public CertificateRejectedException(TlsFailureReason reason, String message, String peerSubject, Throwable cause) {
        super(message, cause);
        this.reason = requireNonNull(reason, "reason");
        this.peerSubject = peerSubject;
    }

    public CertificateRejectedException(TlsFailureReason reason, String message, String peerSubject) {
        this(reason, message, peerSubject, alertCause(reason, message));
    }

    public TlsFailureReason reason() {
        return reason;
    }

    /** The subject of the peer's leaf certificate (RFC 2253), or null when none was sent. */
    public String peerSubject() {
        return peerSubject;
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
