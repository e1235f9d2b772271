package io.mtlsproxy.core.renew;

import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.SubjectAltName;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Proves a chain from an issuer before anything is written: it is for our new key, it names at least what the
 * running certificate named (or what the {@code renew} block asked for), each certificate is signed by the next,
 * it leads to the issuer's trust anchor where there is one, and it is valid now. An issuer is outside the
 * proxy's trust boundary (an operator's script, a remote server): a chain that fails here never replaces a
 * working certificate.
 */
final class ChainCheck {
    /** How far in the future a fresh certificate's notBefore may lie (an issuer whose clock runs ahead). */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private ChainCheck() {}

    static void verify(
            List<X509Certificate> chain,
            PublicKey ourKey,
            CertificateRequest request,
            X509Certificate previous,
            boolean namesFromPrevious,
            List<X509Certificate> anchors,
            Instant now)
            throws IssueException {
        if (chain.isEmpty()) {
            throw new IssueException("the issuer returned no certificate");
        }
        X509Certificate leaf = chain.get(0);
        if (!leaf.getPublicKey().equals(ourKey)) {
            throw new IssueException("the issued certificate (serial "
                    + CertificateDescription.serialHex(leaf.getSerialNumber())
                    + ") is for another key than the one in the request (refused: it would not match the new key)");
        }
        Set<String> has = new HashSet<>(names(leaf));
        List<String> wanted = new ArrayList<>();
        if (namesFromPrevious) {
            wanted.addAll(names(previous));
        } else {
            request.dnsNames().forEach(d -> wanted.add("DNS:" + d));
            request.uriNames().forEach(u -> wanted.add("URI:" + u));
        }
        List<String> missing = wanted.stream().filter(n -> !has.contains(n)).toList();
        if (!missing.isEmpty()) {
            throw new IssueException("the issued certificate lacks " + String.join(", ", missing)
                    + " (expected: every name of the certificate it replaces)");
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!signs(chain.get(i + 1), chain.get(i))) {
                throw new IssueException("the chain is out of order or broken: certificate " + (i + 1) + " ("
                        + chain.get(i).getSubjectX500Principal().getName() + ") is not signed by the next one");
            }
        }
        if (!anchors.isEmpty()) {
            X509Certificate top = chain.get(chain.size() - 1);
            boolean anchored = anchors.stream().anyMatch(a -> a.equals(top) || signs(a, top));
            if (!anchored) {
                throw new IssueException("the chain does not lead to the issuer's CA (top: "
                        + top.getIssuerX500Principal().getName() + ")");
            }
        }
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (notBefore.isAfter(now.plus(CLOCK_SKEW)) || !notAfter.isAfter(now)) {
            throw new IssueException("the issued certificate is not valid now (" + notBefore + " to " + notAfter + ")");
        }
    }

    /** DNS, URI and IP SANs as {@code KIND:value}, the identity a peer may check. */
    private static List<String> names(X509Certificate cert) {
        return SubjectAltName.of(cert).stream()
                .filter(s -> s.kind() == SubjectAltName.Kind.DNS
                        || s.kind() == SubjectAltName.Kind.URI
                        || s.kind() == SubjectAltName.Kind.IP)
                .map(SubjectAltName::toString)
                .toList();
    }

    private static boolean signs(X509Certificate issuer, X509Certificate subject) {
        if (!subject.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            subject.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
