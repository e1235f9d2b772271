package io.mtlsproxy.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The lists that name client certificates, shared by a route's {@code client-identity.allow} and a listener's
 * {@code tls.deny}: each entry checked, a bad one reported at its line, the good ones returned.
 */
final class CertificateNameLists {
    private CertificateNameLists() {}

    static List<String> subjects(Node parent) {
        List<String> out = new ArrayList<>();
        for (Node s : parent.stringList("subjects")) {
            Syntax.checkDistinguishedName(s.string())
                    .ifPresentOrElse(
                            expected -> s.error(Syntax.quote(s.string()) + " (expected: " + expected + ")"),
                            () -> out.add(s.string()));
        }
        return out;
    }

    /** @param prefixAllowed whether {@code spiffe://example.org/ns/*} may stand for every URI under it */
    static List<String> uriSans(Node parent, boolean prefixAllowed) {
        List<String> out = new ArrayList<>();
        for (Node s : parent.stringList("uri-sans")) {
            Syntax.checkUriSan(s.string(), prefixAllowed)
                    .ifPresentOrElse(
                            expected -> s.error(Syntax.quote(s.string()) + " (expected: " + expected + ")"),
                            () -> out.add(s.string()));
        }
        return out;
    }

    /** Normalized to lowercase hex without colons. */
    static List<String> sha256Fingerprints(Node parent) {
        List<String> out = new ArrayList<>();
        for (Node s : parent.stringList("sha256-fingerprints")) {
            Syntax.normalizeFingerprint(s.string())
                    .ifPresentOrElse(
                            out::add,
                            () -> s.error(Syntax.quote(s.string()) + " (expected: a SHA-256 fingerprint: 64 hex digits,"
                                    + " colons allowed)"));
        }
        return out;
    }
}
