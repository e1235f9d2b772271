package io.mtlsproxy.core.tls;

import io.mtlsproxy.core.identity.TlsFailureReason;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateRevokedException;
import java.util.Locale;

/**
 * Maps a failed handshake's exception to the reason /tls/failures and the handshake metric show.
 * Our own trust managers throw {@link CertificateRejectedException}, which carries the exact reason; everything
 * else (the peer's alert, BoringSSL's or the JDK's own errors) is recognised by type, then by message.
 */
public final class TlsFailures {
    private static final int MAX_CAUSES = 16;

    /** Message fragments (upper case) in the order they are tried: the specific before the general. */
    private static final Object[][] MESSAGES = {
        {TlsFailureReason.TIMEOUT, "HANDSHAKE TIMED OUT", "SSLHANDSHAKETIMEOUTEXCEPTION"},
        {
            TlsFailureReason.NO_CLIENT_CERT,
            "CERTIFICATE_REQUIRED",
            "PEER_DID_NOT_RETURN_A_CERTIFICATE",
            "EMPTY CLIENT CERTIFICATE CHAIN",
            "CLIENT CERTIFICATE REQUIRED"
        },
        {
            TlsFailureReason.HOSTNAME_MISMATCH,
            "NO SUBJECT ALTERNATIVE",
            "NO NAME MATCHING",
            "HOSTNAME_MISMATCH",
            "HOSTNAME MISMATCH",
            "DOES NOT MATCH THE HOST NAME"
        },
        {
            TlsFailureReason.PROTOCOL_VERSION,
            "NO_PROTOCOLS_AVAILABLE",
            "UNSUPPORTED_PROTOCOL",
            "PROTOCOL_VERSION",
            "NO APPROPRIATE PROTOCOL",
            "PROTOCOL IS DISABLED",
            "IS NOT ENABLED OR SUPPORTED",
            "UNSUPPORTED PROTOCOL",
            "INAPPROPRIATE_FALLBACK"
        },
        {TlsFailureReason.REVOKED, "CERTIFICATE_REVOKED", "CERTIFICATE REVOKED", "HAS BEEN REVOKED"},
        {TlsFailureReason.EXPIRED, "CERTIFICATE_EXPIRED", "CERTIFICATE EXPIRED", "CERT_HAS_EXPIRED", "HAS EXPIRED"},
        {TlsFailureReason.NOT_YET_VALID, "NOT_YET_VALID", "NOT YET VALID"},
        {
            TlsFailureReason.UNKNOWN_CA,
            "UNKNOWN_CA",
            "UNKNOWN CA",
            "PKIX PATH BUILDING FAILED",
            "UNABLE TO FIND VALID CERTIFICATION PATH",
            "UNABLE_TO_GET_ISSUER",
            "CERTIFICATE_UNKNOWN",
            "SELF SIGNED CERTIFICATE",
            "SELF_SIGNED_CERT"
        },
        {
            TlsFailureReason.BAD_CERTIFICATE,
            "BAD_CERTIFICATE",
            "BAD CERTIFICATE",
            "UNSUPPORTED_CERTIFICATE",
            "CERTIFICATE_VERIFY_FAILED",
            "BAD_SIGNATURE",
            "DECRYPT_ERROR"
        },
        {TlsFailureReason.TIMEOUT, "TIMED OUT", "TIMEOUT"},
    };

    private TlsFailures() {}

    public static TlsFailureReason classify(Throwable failure) {
        if (failure == null) {
            return TlsFailureReason.OTHER;
        }
        // Types first, across the whole cause chain: they are exact.
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            TlsFailureReason byType = byType(t);
            if (byType != null) {
                return byType;
            }
        }
        depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            TlsFailureReason byMessage = byMessage(t.getClass().getSimpleName() + ": " + t.getMessage());
            if (byMessage != null) {
                return byMessage;
            }
        }
        return TlsFailureReason.OTHER;
    }

    /** The peer subject a rejection carries, or null. */
    public static String peerSubject(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            if (t instanceof CertificateRejectedException r) {
                return r.peerSubject();
            }
        }
        return null;
    }

    /** The rejected leaf's SHA-256 for a revoked or denied client of ours; else null. */
    public static String peerSha256(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            if (t instanceof CertificateRejectedException r) {
                return r.peerSha256();
            }
        }
        return null;
    }

    /** How far off the clock would have to be, for an expired or not-yet-valid rejection of ours; else null. */
    public static Long clockSkewSeconds(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            if (t instanceof CertificateRejectedException r) {
                return r.clockSkewSeconds();
            }
        }
        return null;
    }

    /** A one-line description for /tls/failures: the most specific message in the cause chain. */
    public static String detail(Throwable failure) {
        if (failure == null) {
            return null;
        }
        String best = null;
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
            if (t instanceof CertificateRejectedException) {
                return t.getMessage();
            }
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                best = t.getMessage();
            } else if (best == null) {
                best = t.getClass().getSimpleName();
            }
        }
        return best;
    }

    private static TlsFailureReason byType(Throwable t) {
        if (t instanceof CertificateRejectedException r) {
            return r.reason();
        }
        if (t instanceof SslHandshakeTimeoutException) {
            return TlsFailureReason.TIMEOUT;
        }
        if (t instanceof CertificateExpiredException) {
            return TlsFailureReason.EXPIRED;
        }
        if (t instanceof CertificateNotYetValidException) {
            return TlsFailureReason.NOT_YET_VALID;
        }
        if (t instanceof CertificateRevokedException) {
            return TlsFailureReason.REVOKED;
        }
        if (t instanceof CertPathValidatorException e && e.getReason() != null) {
            if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return TlsFailureReason.EXPIRED;
            }
            if (e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                return TlsFailureReason.NOT_YET_VALID;
            }
            if (e.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                return TlsFailureReason.REVOKED;
            }
        }
        return null;
    }

    static TlsFailureReason byMessage(String message) {
        if (message == null) {
            return null;
        }
        String m = message.toUpperCase(Locale.ROOT);
        for (Object[] row : MESSAGES) {
            for (int i = 1; i < row.length; i++) {
                if (m.contains((String) row[i])) {
                    return (TlsFailureReason) row[0];
                }
            }
        }
        return null;
    }
}
