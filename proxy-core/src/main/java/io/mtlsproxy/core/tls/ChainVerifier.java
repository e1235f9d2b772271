package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.TlsFailureReason;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Verifies a peer's certificate chain against {@link TrustAnchors}: builds the path from the leaf to a trusted CA,
 * validates it with the JDK's PKIX validator (signatures, validity dates, CA constraints) with revocation
 * <em>disabled</em> there, then checks revocation itself, the verify depth and the extended key usage.
 * <p>
 * Why our own revocation check: the JDK's checker treats a CRL past its nextUpdate as unusable and then fails
 * every certificate (or, in soft-fail mode, none); it may also fetch CRLs and OCSP over the network. We look each
 * certificate of the path up BY SERIAL in the CRLs its own issuer signed, whatever their nextUpdate says: a stale
 * CRL stays enforced (and is reported {@code stale} on /certs), so a CA that forgets to re-sign its CRL never
 * silently un-revokes anyone nor locks everyone out.
 */
final class ChainVerifier {
    /** What the leaf must be for, as an extended key usage OID. */
    enum Purpose {
        CLIENT("1.3.6.1.5.5.7.3.2", "TLS client authentication"),
        SERVER("1.3.6.1.5.5.7.3.1", "TLS server authentication");

        final String oid;
        final String label;

        Purpose(String oid, String label) {
            this.oid = oid;
            this.label = label;
        }
    }

    private static final String ANY_EKU = "2.5.29.37.0";
    private static final String EKU_EXTENSION = "2.5.29.37";
    private static final int MAX_PATH = 16;

    private final TrustAnchors anchors;
    private final Purpose purpose;
    private final int verifyDepth;
    private final Map<X509Certificate, List<X509CRL>> crlsBySigner;

    /**
     * {@code verifyDepth} counts as nginx's {@code ssl_verify_depth} does: the number of CA certificates allowed
     * above the leaf, the trusted one included. 1 = the leaf is signed directly by a trusted CA; 2 = one
     * intermediate between them; N = N - 1 intermediates.
     */
    ChainVerifier(TrustAnchors anchors, Purpose purpose, int verifyDepth) {
        this.anchors = requireNonNull(anchors, "anchors");
        this.purpose = requireNonNull(purpose, "purpose");
        if (verifyDepth < 1) {
            throw new IllegalArgumentException("verifyDepth: " + verifyDepth + " (expected: at least 1)");
        }
        this.verifyDepth = verifyDepth;
        Map<X509Certificate, List<X509CRL>> index = new HashMap<>();
        for (X509CRL crl : anchors.crls()) {
            for (X509Certificate ca : anchors.withSubject(crl.getIssuerX500Principal())) {
                if (signs(ca, crl)) {
                    index.computeIfAbsent(ca, k -> new ArrayList<>()).add(crl);
                }
            }
        }
        this.crlsBySigner = Map.copyOf(index);
    }

    /** Returns the validated path (leaf first, trusted CA last) or throws with the exact reason. */
    List<X509Certificate> verify(X509Certificate[] presented, Instant now) throws CertificateRejectedException {
        if (presented == null || presented.length == 0) {
            throw new CertificateRejectedException(
                    purpose == Purpose.CLIENT ? TlsFailureReason.NO_CLIENT_CERT : TlsFailureReason.BAD_CERTIFICATE,
                    "the peer sent no certificate",
                    null);
        }
        X509Certificate leaf = presented[0];
        String subject = leaf.getSubjectX500Principal().getName();
        List<X509Certificate> path = new ArrayList<>(4);
        path.add(leaf);
        X509Certificate anchor = buildPath(presented, path, subject);

        // nginx semantics: CA certificates above the leaf (intermediates + the trusted CA) <= verify-depth.
        int casAbove = path.size();
        if (casAbove > verifyDepth) {
            throw new CertificateRejectedException(
                    TlsFailureReason.BAD_CERTIFICATE,
                    "certificate chain too long: "
                            + subject + " has " + casAbove + " CA certificates above it, verify-depth " + verifyDepth
                            + " allows " + verifyDepth,
                    subject);
        }
        validate(path, anchor, now, subject);
        checkRevocation(path, anchor, subject);
        checkPurpose(leaf, subject);
        List<X509Certificate> full = new ArrayList<>(path);
        full.add(anchor);
        return full;
    }

    /** Follows issuers from the leaf through the presented certificates until a trusted CA signs one. */
    private X509Certificate buildPath(X509Certificate[] presented, List<X509Certificate> path, String subject)
            throws CertificateRejectedException {
        X509Certificate current = path.get(0);
        while (path.size() <= MAX_PATH) {
            X509Certificate anchor = trustedIssuerOf(current);
            if (anchor != null) {
                return anchor;
            }
            X509Certificate next = presentedIssuerOf(current, presented, path);
            if (next == null) {
                throw new CertificateRejectedException(
                        TlsFailureReason.UNKNOWN_CA,
                        "certificate " + subject
                                + " was issued by "
                                + current.getIssuerX500Principal().getName() + ", which is not a trusted CA"
                                + anchors.caFile().map(f -> " of " + f.path()).orElse(" of the JDK trust store"),
                        subject);
            }
            path.add(next);
            current = next;
        }
        throw new CertificateRejectedException(
                TlsFailureReason.BAD_CERTIFICATE,
                "certificate chain of " + subject + " is longer than " + MAX_PATH,
                subject);
    }

    private X509Certificate trustedIssuerOf(X509Certificate cert) {
        List<X509Certificate> candidates = anchors.withSubject(cert.getIssuerX500Principal());
        if (candidates.size() == 1) {
            return candidates.get(0); // the PKIX validation below checks its signature
        }
        for (X509Certificate candidate : candidates) { // a renewed CA under the same name: pick the signer
            if (signs(candidate, cert)) {
                return candidate;
            }
        }
        return null;
    }

    private static X509Certificate presentedIssuerOf(
            X509Certificate cert, X509Certificate[] presented, List<X509Certificate> path) {
        X500Principal issuer = cert.getIssuerX500Principal();
        for (X509Certificate candidate : presented) {
            if (candidate.getSubjectX500Principal().equals(issuer)
                    && !path.contains(candidate)
                    && signs(candidate, cert)) {
                return candidate;
            }
        }
        return null;
    }

    private static void validate(List<X509Certificate> path, X509Certificate anchor, Instant now, String subject)
            throws CertificateRejectedException {
        Date at = Date.from(now);
        try {
            anchor.checkValidity(at); // the JDK's PKIX does not check the trust anchor's own dates; OpenSSL does
        } catch (CertificateExpiredException e) {
            throw CertificateRejectedException.outsideValidity(
                    anchor,
                    now,
                    "the trusted CA " + anchor.getSubjectX500Principal().getName() + " expired on "
                            + anchor.getNotAfter().toInstant(),
                    subject,
                    null);
        } catch (CertificateNotYetValidException e) {
            throw CertificateRejectedException.outsideValidity(
                    anchor,
                    now,
                    "the trusted CA "
                            + anchor.getSubjectX500Principal().getName() + " is not valid before "
                            + anchor.getNotBefore().toInstant(),
                    subject,
                    null);
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false); // checked below, by serial, without network fetches
            params.setDate(at);
            params.addCertPathChecker(new ExtendedKeyUsageChecker());
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
        } catch (CertPathValidatorException e) {
            throw rejection(e, path, subject, now);
        } catch (GeneralSecurityException e) {
            throw new CertificateRejectedException(
                    TlsFailureReason.BAD_CERTIFICATE,
                    "cannot validate the chain of " + subject + ": " + e.getMessage(),
                    subject,
                    e);
        }
    }

    private static CertificateRejectedException rejection(
            CertPathValidatorException e, List<X509Certificate> path, String subject, Instant now) {
        int index = e.getIndex();
        X509Certificate at = index >= 0 && index < path.size() ? path.get(index) : path.get(0);
        String which = at.getSubjectX500Principal().getName();
        CertPathValidatorException.Reason reason = e.getReason();
        if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
            return CertificateRejectedException.outsideValidity(
                    at,
                    now,
                    "certificate " + which + " expired on " + at.getNotAfter().toInstant(),
                    subject,
                    e);
        }
        if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            return CertificateRejectedException.outsideValidity(
                    at,
                    now,
                    "certificate " + which + " is not valid before "
                            + at.getNotBefore().toInstant(),
                    subject,
                    e);
        }
        if (reason == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
            // the name matched a trusted CA but its key did not sign this: another CA that uses the same name
            return new CertificateRejectedException(
                    TlsFailureReason.UNKNOWN_CA,
                    "certificate " + which
                            + " claims issuer " + at.getIssuerX500Principal().getName()
                            + " but no trusted CA of that name signed it",
                    subject,
                    e);
        }
        String why = reason == PKIXReason.NOT_CA_CERT
                ? "an issuer in the chain is not a CA"
                : reason == PKIXReason.PATH_TOO_LONG ? "a CA's path length constraint is exceeded" : e.getMessage();
        return new CertificateRejectedException(
                TlsFailureReason.BAD_CERTIFICATE, "invalid chain for " + subject + ": " + why, subject, e);
    }

    private void checkRevocation(List<X509Certificate> path, X509Certificate anchor, String subject)
            throws CertificateRejectedException {
        if (crlsBySigner.isEmpty()) {
            return;
        }
        for (int i = 0; i < path.size(); i++) {
            X509Certificate cert = path.get(i);
            X509Certificate issuer = i + 1 < path.size() ? path.get(i + 1) : anchor;
            for (X509CRL crl : crlsBySigner.getOrDefault(issuer, List.of())) {
                X509CRLEntry entry = crl.getRevokedCertificate(cert.getSerialNumber());
                if (entry != null) {
                    Date next = crl.getNextUpdate();
                    String stale = next != null && next.toInstant().isBefore(Instant.now())
                            ? " (CRL stale since " + next.toInstant() + ", still enforced)"
                            : "";
                    throw new CertificateRejectedException(
                            TlsFailureReason.REVOKED,
                            "certificate "
                                    + cert.getSubjectX500Principal().getName() + " serial "
                                    + cert.getSerialNumber().toString(16) + " was revoked on "
                                    + entry.getRevocationDate().toInstant() + " by "
                                    + crl.getIssuerX500Principal().getName()
                                    + stale,
                            subject);
                }
            }
        }
    }

    private void checkPurpose(X509Certificate leaf, String subject) throws CertificateRejectedException {
        List<String> usages;
        try {
            usages = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new CertificateRejectedException(
                    TlsFailureReason.BAD_CERTIFICATE, "unreadable extended key usage in " + subject, subject, e);
        }
        if (usages != null && !usages.contains(purpose.oid) && !usages.contains(ANY_EKU)) {
            throw new CertificateRejectedException(
                    TlsFailureReason.BAD_CERTIFICATE,
                    "certificate " + subject + " is not for " + purpose.label + " (extended key usage: " + usages + ")",
                    subject);
        }
    }

    private static boolean signs(X509Certificate issuer, X509Certificate cert) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static boolean signs(X509Certificate issuer, X509CRL crl) {
        try {
            crl.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Marks a critical EKU extension as handled: {@link #checkPurpose} checks it on the leaf. */
    private static final class ExtendedKeyUsageChecker extends PKIXCertPathChecker {
        @Override
        public void init(boolean forward) {}

        @Override
        public boolean isForwardCheckingSupported() {
            return false;
        }

        @Override
        public Set<String> getSupportedExtensions() {
            return Set.of(EKU_EXTENSION);
        }

        @Override
        public void check(Certificate cert, Collection<String> unresolvedCritExts) {
            unresolvedCritExts.remove(EKU_EXTENSION);
        }
    }
}
