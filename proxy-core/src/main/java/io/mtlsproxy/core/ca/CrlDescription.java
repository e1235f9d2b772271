package io.mtlsproxy.core.ca;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * What a CRL says: its issuer, number, this/next update and every entry. {@code nextUpdate} may be absent
 * (RFC 5280 requires it, some CAs omit it); such a CRL is never stale.
 */
public record CrlDescription(
        String issuer,
        Optional<BigInteger> number,
        Instant thisUpdate,
        Optional<Instant> nextUpdate,
        List<Revocation> entries) {
    public CrlDescription {
        requireNonNull(issuer, "issuer");
        requireNonNull(number, "number");
        requireNonNull(thisUpdate, "thisUpdate");
        requireNonNull(nextUpdate, "nextUpdate");
        entries = List.copyOf(entries);
    }

    public static CrlDescription of(X509CRL crl) {
        List<Revocation> entries = new ArrayList<>();
        if (crl.getRevokedCertificates() != null) {
            for (X509CRLEntry e : crl.getRevokedCertificates()) {
                RevocationReason reason = e.getRevocationReason() == null
                        ? RevocationReason.UNSPECIFIED
                        : RevocationReason.ofCode(e.getRevocationReason().ordinal()); // ordinal == RFC code
                entries.add(new Revocation(
                        e.getSerialNumber(), e.getRevocationDate().toInstant(), reason));
            }
        }
        entries.sort(Comparator.comparing(Revocation::revokedAt).thenComparing(Revocation::serial));
        return new CrlDescription(
                crl.getIssuerX500Principal().getName(),
                number(crl),
                crl.getThisUpdate().toInstant(),
                Optional.ofNullable(crl.getNextUpdate()).map(java.util.Date::toInstant),
                entries);
    }

    /** True once nextUpdate has passed: verifiers that insist on a current CRL then reject every client. */
    public boolean isStale(Instant now) {
        return nextUpdate.map(n -> !now.isBefore(n)).orElse(false);
    }

    public boolean contains(BigInteger serial) {
        return entries.stream().anyMatch(e -> e.serial().equals(serial));
    }

    /** The cRLNumber extension, when present and readable. */
    private static Optional<BigInteger> number(X509CRL crl) {
        byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
        if (ext == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ASN1Integer.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext))
                    .getValue());
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
