package io.mtlsproxy.admin.cli.pki;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.ca.CrlDescription;
import io.mtlsproxy.core.ca.Revocation;
import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.SubjectAltName;
import io.mtlsproxy.core.tls.ExpiryState;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders what {@code pki inspect} found, as text for people or JSON for scripts. Both use the field names and
 * forms of {@code GET /certs} (lowercase hex serial and sha256, RFC 3339 UTC times, the same states), so that a
 * file on disk and the certificate the proxy serves compare at a glance.
 */
final class InspectReport {
    private final Instant now;
    private final ExpiryConfig thresholds;

    InspectReport(Instant now, ExpiryConfig thresholds) {
        this.now = now;
        this.thresholds = thresholds;
    }

    void text(List<InspectedFile> files, PrintWriter out) {
        for (InspectedFile file : files) {
            if (file.error() != null) {
                continue; // reported on stderr
            }
            List<String> held = new ArrayList<>();
            if (!file.certificates().isEmpty()) {
                held.add(count(file.certificates().size(), "certificate"));
            }
            if (!file.crls().isEmpty()) {
                held.add(count(file.crls().size(), "CRL"));
            }
            out.println(file.path() + ": " + file.format() + ", " + String.join(", ", held));
            int i = 0;
            for (X509Certificate c : file.certificates()) {
                out.println("  certificate " + ++i);
                certificate(c).forEach((k, v) -> out.println(line(k, v)));
            }
            i = 0;
            for (X509CRL crl : file.crls()) {
                out.println("  crl " + ++i);
                crl(crl).forEach((k, v) -> {
                    if (!k.equals("revoked")) {
                        out.println(line(k, v));
                    }
                });
                List<Revocation> entries = CrlDescription.of(crl).entries();
                out.println(line("revoked", entries.size()));
                for (Revocation e : entries) {
                    out.println("      " + CertificateDescription.serialHex(e.serial()) + "  revoked " + e.revokedAt()
                            + "  " + e.reason().cliName());
                }
            }
        }
        out.flush();
    }

    String json(List<InspectedFile> files) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (InspectedFile file : files) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("path", file.path().toString());
            if (file.error() != null) {
                f.put("error", file.error());
            } else {
                f.put("format", file.format());
                f.put(
                        "certificates",
                        file.certificates().stream().map(this::certificate).toList());
                f.put("crls", file.crls().stream().map(this::crl).toList());
            }
            out.add(f);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("generated_at", now.toString());
        root.put("files", out);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render inspect as JSON", e);
        }
    }

    private Map<String, Object> certificate(X509Certificate certificate) {
        CertificateDescription d = CertificateDescription.of(certificate);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", d.subject());
        m.put("issuer", d.issuer());
        m.put("serial", d.serial());
        m.put("sans", d.sans().stream().map(SubjectAltName::toString).toList());
        m.put("key", d.keyType());
        m.put("usage", d.ca() ? List.of("CA") : d.extendedKeyUsages());
        m.put("not_before", d.notBefore().toString());
        m.put("not_after", d.notAfter().toString());
        m.put("expires_in_seconds", Duration.between(now, d.notAfter()).toSeconds());
        m.put("sha256", d.sha256());
        m.put("state", ExpiryState.of(certificate, now, thresholds).label());
        return m;
    }

    private Map<String, Object> crl(X509CRL crl) {
        CrlDescription d = CrlDescription.of(crl);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", d.issuer());
        m.put("number", d.number().map(BigInteger::toString).orElse(null));
        m.put("this_update", d.thisUpdate().toString());
        m.put("next_update", d.nextUpdate().map(Instant::toString).orElse(null));
        m.put("state", d.isStale(now) ? "stale" : "valid");
        List<Map<String, Object>> revoked = new ArrayList<>();
        for (Revocation e : d.entries()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("serial", CertificateDescription.serialHex(e.serial()));
            r.put("revoked_at", e.revokedAt().toString());
            r.put("reason", e.reason().cliName());
            revoked.add(r);
        }
        m.put("revoked", revoked);
        return m;
    }

    /** {@code    not_after:          2026-01-01T00:00:00Z}; lists joined by ", ", absent values as "-". */
    private static String line(String key, Object value) {
        String text = value == null
                ? "-"
                : value instanceof List<?> l
                        ? (l.isEmpty()
                                ? "-"
                                : String.join(
                                        ", ", l.stream().map(String::valueOf).toList()))
                        : key.equals("expires_in_seconds") ? human((Long) value) : String.valueOf(value);
        String label = key.equals("expires_in_seconds") ? "expires" : key;
        return "    " + String.format("%-12s", label + ":") + " " + text;
    }

    /** {@code in 364 days}, {@code in 5 hours}, {@code 2 days ago}. */
    static String human(long seconds) {
        long abs = Math.abs(seconds);
        String amount = abs >= 86_400
                ? count(abs / 86_400, "day")
                : abs >= 3_600 ? count(abs / 3_600, "hour") : count(Math.max(abs / 60, 0), "minute");
        return seconds >= 0 ? "in " + amount : amount + " ago";
    }

    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
