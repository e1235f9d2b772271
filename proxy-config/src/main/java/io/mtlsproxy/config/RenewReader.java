package io.mtlsproxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a certificate's {@code renew { issuer, before, dns-sans, uri-sans, key-type }} block. */
final class RenewReader {
    private RenewReader() {}

    static RenewSpec read(Node r) {
        r.allowOnly("issuer", "before", "dns-sans", "uri-sans", "key-type");
        String issuer = r.requiredText("issuer", "the name of an issuer under issuers { ... }")
                .orElse("");
        RenewBefore before = r.child("before").map(RenewReader::before).orElse(RenewBefore.DEFAULT);
        Optional<List<String>> dns = r.has("dns-sans") ? Optional.of(names(r, "dns-sans", false)) : Optional.empty();
        Optional<List<String>> uris = r.has("uri-sans") ? Optional.of(names(r, "uri-sans", true)) : Optional.empty();
        if (dns.isPresent()
                && uris.isPresent()
                && dns.get().isEmpty()
                && uris.get().isEmpty()) {
            r.error("dns-sans", "empty, and so is uri-sans (expected: at least one name for the new certificate)");
        }
        RenewKeyType keyType = Scalars.enumValue(r, "key-type", RenewKeyType.class, RenewKeyType.EC_P256);
        return new RenewSpec(issuer, before, dns, uris, keyType, r.source());
    }

    /** {@code "33%"} (a share of the lifetime left when renewing) or a duration before expiry ({@code 30d}). */
    private static RenewBefore before(Node n) {
        String text = n.asText().orElse("").trim();
        if (text.endsWith("%")) {
            try {
                double percent =
                        Double.parseDouble(text.substring(0, text.length() - 1).trim());
                if (percent > 0 && percent < 100) {
                    return new RenewBefore(Optional.empty(), percent / 100);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            n.error(Syntax.quote(text) + " (expected: a share of the lifetime between 1% and 99%, e.g. \"33%\")");
            return RenewBefore.DEFAULT;
        }
        Duration d = Scalars.duration(n, Duration.ZERO, Duration.ofSeconds(1));
        return d.isZero() ? RenewBefore.DEFAULT : new RenewBefore(Optional.of(d), 0);
    }

    private static List<String> names(Node r, String key, boolean uri) {
        List<String> out = new ArrayList<>();
        for (Node s : r.stringList(key)) {
            Optional<String> problem = uri ? Syntax.checkUriSan(s.string(), false) : Syntax.checkDnsSan(s.string());
            problem.ifPresentOrElse(
                    expected -> s.error(Syntax.quote(s.string()) + " (expected: " + expected + ")"),
                    () -> out.add(s.string()));
        }
        return out;
    }
}
