package io.mtlsproxy.core.renew.acme;

import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.renew.CertificateRequest;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** A listener-server certificate request for DNS names, signed by a fresh key (the test keeps the key). */
record TestCsr(KeyPair key, CertificateRequest request) {
    static TestCsr forNames(String... dnsNames) throws Exception {
        KeyPair key = KeyAlgorithm.EC_P256.generate();
        ExtensionsGenerator ext = new ExtensionsGenerator();
        ext.addExtension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(Arrays.stream(dnsNames)
                        .map(n -> new GeneralName(GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new)));
        var csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + dnsNames[0]), key.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
        return new TestCsr(
                key,
                new CertificateRequest("listener-server", "public", csr, dnsNames[0], List.of(dnsNames), List.of()));
    }
}
