package io.mtlsproxy.config;

import java.math.BigInteger;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** Reads a listener's {@code tls.deny} block; every bad entry is reported at its line. */
final class DenyReader {
    private DenyReader() {}

    static DenyList read(Node d) {
        d.allowOnly("serials", "sha256-fingerprints", "subjects", "uri-sans");
        Set<String> serials = new LinkedHashSet<>();
        for (Node s : d.stringList("serials")) {
            String hex = s.string().trim().replace(":", "").toLowerCase(Locale.ROOT);
            if (hex.matches("[0-9a-f]{1,64}")) {
                serials.add(new BigInteger(hex, 16).toString(16)); // the form /certs and /clients print
            } else {
                s.error(Syntax.quote(s.string()) + " (expected: a serial number in hex, colons allowed,"
                        + " as /clients prints it)");
            }
        }
        return new DenyList(
                serials,
                Set.copyOf(CertificateNameLists.sha256Fingerprints(d)),
                Set.copyOf(CertificateNameLists.subjects(d)),
                Set.copyOf(CertificateNameLists.uriSans(d, false)));
    }
}
