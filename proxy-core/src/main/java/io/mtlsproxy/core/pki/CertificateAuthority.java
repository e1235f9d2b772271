package io.mtlsproxy.core.pki;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority that signs leaves, intermediates and CRLs with BouncyCastle. Used by the
 * {@code pki} commands, the demo, and every test (tests make their PKI at run time; no key is committed).
 */
public final class CertificateAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    /** issuers above this CA, nearest first, excluding the root itself when this CA is the root */
    private final List<X509Certificate> issuers;

    public CertificateAuthority(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> issuers) {
        this.certificate = requireNonNull(certificate, "certificate");
        this.privateKey = requireNonNull(privateKey, "privateKey");
        this.issuers = List.copyOf(issuers);
    }

    /** A self-signed root CA valid from five minutes ago for {@code validity}. */
    public static CertificateAuthority createRoot(String commonName, java.time.Duration validity,
                                                  KeyAlgorithm algorithm) {
        Instant now = Instant.now();
        return createRoot(commonName, now.minusSeconds(300), now.plus(validity), algorithm);
    }

    public static CertificateAuthority createRoot(String commonName, Instant notBefore, Instant notAfter,
                                                  KeyAlgorithm algorithm) {
        KeyPair keys = algorithm.generate();
        X500Name name = name(commonName, null);
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(notBefore),
                    Date.from(notAfter), name, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign
                    | KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(b, keys.getPrivate());
            return new CertificateAuthority(cert, keys.getPrivate(), List.of());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot create CA " + commonName, e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** Issuers above this CA (empty for a root). */
    public List<X509Certificate> issuers() {
        return issuers;
    }

    /** Signs a leaf (or intermediate CA) with a fresh key pair. */
    public IssuedCertificate issue(CertificateSpec spec) {
        KeyPair keys = spec.keyAlgorithm().generate();
        return new IssuedCertificate(sign(spec, keys.getPublic()), keys.getPrivate(), issuerChain());
    }

    /** Signs a certificate for an existing public key (renewal keeps nothing but subject and SANs; see pki renew). */
    public X509Certificate sign(CertificateSpec spec, PublicKey subjectKey) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(spec.notBefore()), Date.from(spec.notAfter()),
                    x500(name(spec.commonName(), spec.organization())), subjectKey);
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(certificate));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            switch (spec.usage()) {
                case INTERMEDIATE_CA -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign
                            | KeyUsage.digitalSignature));
                }
                case SERVER, CLIENT -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    int usage = KeyUsage.digitalSignature;
                    if ("RSA".equals(subjectKey.getAlgorithm())) {
                        usage |= KeyUsage.keyEncipherment;
                    }
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
                    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            spec.usage() == CertificateSpec.Usage.SERVER ? KeyPurposeId.id_kp_serverAuth
                                    : KeyPurposeId.id_kp_clientAuth));
                }
            }
            List<GeneralName> sans = new ArrayList<>();
            spec.dnsNames().forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
            for (String ip : spec.ipAddresses()) {
                sans.add(new GeneralName(GeneralName.iPAddress, ipLiteral(ip)));
            }
            spec.uris().forEach(u -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            return sign(b, privateKey);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue " + spec.commonName(), e);
        }
    }

    /** An intermediate CA signed by this one. */
    public CertificateAuthority intermediate(CertificateSpec spec) {
        IssuedCertificate issued = issue(spec);
        return new CertificateAuthority(issued.certificate(), issued.privateKey(), issuerChain());
    }

    /** This CA's certificate followed by its own issuers: the chain a leaf it signs carries. */
    private List<X509Certificate> issuerChain() {
        if (issuers.isEmpty()) {
            return List.of(); // a leaf under a root carries no intermediates
        }
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(certificate);
        chain.addAll(issuers.subList(0, issuers.size() - 1)); // never the root
        return chain;
    }

    /** A CRL listing the given serials as revoked at the time given, valid from thisUpdate to nextUpdate. */
    public X509CRL crl(Map<BigInteger, Instant> revoked, Instant thisUpdate, Instant nextUpdate) {
        try {
            X509v2CRLBuilder b = new JcaX509v2CRLBuilder(certificate.getSubjectX500Principal(),
                    Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            revoked.forEach((serial, when) -> b.addCRLEntry(serial, Date.from(when), CRLReason.keyCompromise));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
            b.addExtension(Extension.cRLNumber, false,
                    new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.valueOf(thisUpdate.getEpochSecond())));
            ContentSigner signer = new JcaContentSignerBuilder(KeyAlgorithm.signatureAlgorithmFor(privateKey))
                    .build(privateKey);
            return new JcaX509CRLConverter().getCRL(b.build(signer));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot sign CRL", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signingKey)
            throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(KeyAlgorithm.signatureAlgorithmFor(signingKey))
                    .build(signingKey);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static X500Principal x500(X500Name name) {
        try {
            return new X500Principal(name.getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("subject: " + name, e);
        }
    }

    private static X500Name name(String commonName, String organization) {
        X500NameBuilder n = new X500NameBuilder(BCStyle.INSTANCE);
        n.addRDN(BCStyle.CN, commonName);
        if (organization != null) {
            n.addRDN(BCStyle.O, organization);
        }
        return n.build();
    }

    /** Positive 127-bit random serial, as CAs should use (RFC 5280: at most 20 octets, unpredictable). */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).setBit(126);
    }

    private static String ipLiteral(String ip) {
        try {
            // A literal only: InetAddress.getByName never does a DNS lookup for a numeric address.
            if (!ip.matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("ip: " + ip + " (expected: an IPv4 or IPv6 literal)");
            }
            return InetAddress.getByName(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("ip: " + ip + " (expected: an IPv4 or IPv6 literal)", e);
        }
    }
}
