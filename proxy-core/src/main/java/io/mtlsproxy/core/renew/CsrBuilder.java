package io.mtlsproxy.core.renew;

import io.mtlsproxy.config.RenewSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.SubjectAltName;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Makes the new key and its CSR. The key is generated here and stays in this process; the CSR carries the
 * current certificate's subject and SANs unless the {@code renew} block names others. Public for the issuers'
 * tests, which ask with the same requests the scheduler makes.
 */
public final class CsrBuilder {
    private CsrBuilder() {}

    /** A fresh key and the request an issuer signs. */
    public record Pending(KeyPair keys, CertificateRequest request) {}

    /** What a request asks for: the subject (its CN named apart, as issuers want it) and the SANs by kind. */
    public record Names(
            X500Principal subject, String commonName, List<String> dns, List<String> ips, List<String> uris) {
        public Names {
            dns = List.copyOf(dns);
            ips = List.copyOf(ips);
            uris = List.copyOf(uris);
        }

        /** CN = the first DNS name, and the DNS names as SANs: what an ACME order for them covers. */
        public static Names dns(List<String> dnsNames) {
            return new Names(
                    new X500Principal("CN=" + dnsNames.get(0)), dnsNames.get(0), dnsNames, List.of(), List.of());
        }
    }

    static Pending build(String usage, String owner, X509Certificate current, RenewSpec spec) throws IssueException {
        List<SubjectAltName> sans = SubjectAltName.of(current);
        List<String> dns = spec.dnsSans().orElseGet(() -> names(sans, SubjectAltName.Kind.DNS));
        List<String> uris = spec.uriSans().orElseGet(() -> names(sans, SubjectAltName.Kind.URI));
        // IP SANs have no key of their own: kept from the current certificate unless the names are given
        List<String> ips = spec.dnsSans().isPresent() || spec.uriSans().isPresent()
                ? List.of()
                : names(sans, SubjectAltName.Kind.IP);
        if (dns.isEmpty() && uris.isEmpty()) {
            throw new IssueException("the current certificate has no DNS or URI SAN to renew for (expected: "
                    + "renew { dns-sans = [...] } or uri-sans)");
        }
        X500Principal subject = current.getSubjectX500Principal();
        String commonName = commonName(subject).orElse(dns.isEmpty() ? uris.get(0) : dns.get(0));
        KeyAlgorithm algorithm = KeyAlgorithm.valueOf(spec.keyType().name());
        return build(usage, owner, algorithm, new Names(subject, commonName, dns, ips, uris));
    }

    /** A fresh {@code algorithm} key and its request, signed by that key, for {@code names}. */
    public static Pending build(String usage, String owner, KeyAlgorithm algorithm, Names names) throws IssueException {
        KeyPair keys = algorithm.generate();
        try {
            List<GeneralName> sans = new ArrayList<>();
            names.dns().forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
            for (String ip : names.ips()) {
                sans.add(new GeneralName(GeneralName.iPAddress, SubjectAltName.ipLiteral(ip)));
            }
            names.uris().forEach(u -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(
                    Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(names.subject(), keys.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(new JcaContentSignerBuilder(algorithm.signatureAlgorithm()).build(keys.getPrivate()));
            return new Pending(
                    keys, new CertificateRequest(usage, owner, csr, names.commonName(), names.dns(), names.uris()));
        } catch (java.io.IOException | OperatorCreationException e) {
            throw new IssueException("cannot make the certificate signing request: " + e.getMessage(), e);
        }
    }

    private static List<String> names(List<SubjectAltName> sans, SubjectAltName.Kind kind) {
        return sans.stream()
                .filter(s -> s.kind() == kind)
                .map(SubjectAltName::value)
                .toList();
    }

    private static Optional<String> commonName(X500Principal subject) {
        var rdns = new X500Name(subject.getName()).getRDNs(BCStyle.CN);
        return rdns.length == 0
                ? Optional.empty()
                : Optional.of(rdns[0].getFirst().getValue().toString());
    }
}
