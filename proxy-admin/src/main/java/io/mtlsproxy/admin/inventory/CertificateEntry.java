package io.mtlsproxy.admin.inventory;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.ExpiryState;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * One certificate in use, as the last inventory evaluation saw it. {@code state} is as of that evaluation;
 * the time left is computed by whoever reads it, against their own clock.
 */
public record CertificateEntry(
        String usage,
        String owner,
        Path path,
        String subject,
        String issuer,
        String serial,
        List<String> sans,
        String sha256,
        Instant notBefore,
        Instant notAfter,
        ExpiryState state) {
    public CertificateEntry {
        requireNonNull(usage, "usage");
        requireNonNull(owner, "owner");
        requireNonNull(path, "path");
        requireNonNull(state, "state");
        sans = List.copyOf(sans);
    }

    public static CertificateEntry of(CertificateUse use, ExpiryState state) {
        X509Certificate c = use.certificate();
        return new CertificateEntry(
                use.usage(),
                use.owner(),
                use.path(),
                CertificateFacts.name(c.getSubjectX500Principal()),
                CertificateFacts.name(c.getIssuerX500Principal()),
                CertificateFacts.serial(c),
                CertificateFacts.sans(c),
                CertificateFacts.sha256(c),
                c.getNotBefore().toInstant(),
                c.getNotAfter().toInstant(),
                state);
    }

    /**
     * The entry of {@code use}, its certificate's facts taken from {@code earlier} (an entry of the same certificate
     * object, or null) rather than derived again.
     */
    static CertificateEntry of(CertificateUse use, ExpiryState state, CertificateEntry earlier) {
        if (earlier == null) {
            return of(use, state);
        }
        return new CertificateEntry(
                use.usage(),
                use.owner(),
                use.path(),
                earlier.subject,
                earlier.issuer,
                earlier.serial,
                earlier.sans,
                earlier.sha256,
                earlier.notBefore,
                earlier.notAfter,
                state);
    }

    /** Seconds until notAfter; negative once expired. */
    public long expiresInSeconds(Instant now) {
        return notAfter.getEpochSecond() - now.getEpochSecond();
    }

    /** The identity of a gauge series: its label values. */
    SeriesKey seriesKey() {
        return new SeriesKey(usage, owner, subject, serial);
    }

    record SeriesKey(String usage, String owner, String subject, String serial) {}
}
