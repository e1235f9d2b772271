package io.mtlsproxy.core.identity;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * A subject DN from an allow-list, compared the way operators mean it. {@link X500Principal} equality already
 * ignores attribute-name case, spacing and value case (its canonical form); on top of that the order of RDNs is
 * ignored, because tools print DNs in opposite orders ({@code openssl x509 -subject} vs RFC 2253) and people copy
 * whichever they saw. The set of attribute type/value pairs must still be equal: nothing more, nothing less.
 */
final class SubjectName {
    private final X500Principal principal;
    private final List<String> canonicalRdns;

    private SubjectName(X500Principal principal) {
        this.principal = principal;
        this.canonicalRdns = canonicalRdns(principal);
    }

    static SubjectName parse(String dn) {
        requireNonNull(dn, "dn");
        try {
            return new SubjectName(new X500Principal(dn));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "subject: \"" + dn + "\" is not a distinguished name (expected e.g. "
                            + "\"CN=orders-client,O=Example\"): " + e.getMessage(),
                    e);
        }
    }

    boolean matches(X500Principal subject) {
        return principal.equals(subject) || canonicalRdns.equals(canonicalRdns(subject));
    }

    /** Each RDN in canonical form (RFC 2253, normalized), sorted. */
    private static List<String> canonicalRdns(X500Principal principal) {
        RDN[] rdns = X500Name.getInstance(principal.getEncoded()).getRDNs();
        List<String> out = new ArrayList<>(rdns.length);
        for (RDN rdn : rdns) {
            try {
                out.add(new X500Principal(new X500Name(new RDN[] {rdn}).getEncoded()).getName(X500Principal.CANONICAL));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("unencodable RDN in " + principal, e);
            }
        }
        Collections.sort(out);
        return out;
    }
}
