package io.mtlsproxy.core.ca;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.PkiException;
import io.mtlsproxy.core.certs.SubjectAltName;
import java.math.BigInteger;
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
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

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
    public static CertificateAuthority createRoot(
            String commonName, java.time.Duration validity, KeyAlgorithm algorithm) {
        Instant now = Instant.now();
        return createRoot(commonName, now.minusSeconds(300), now.plus(validity), algorithm);
    }

    public static CertificateAuthority createRoot(
            String commonName, Instant notBefore, Instant notAfter, KeyAlgorithm algorithm) {
        return createRoot(commonName, null, notBefore, notAfter, algorithm);
    }

    /** A self-signed root CA named {@code CN=commonName[,O=organization]}. */
    public static CertificateAuthority createRoot(
            String commonName, String organization, Instant notBefore, Instant notAfter, KeyAlgorithm algorithm) {
        requireNonNull(commonName, "commonName");
        KeyPair keys = algorithm.generate();
        X500Name name = name(commonName, organization);
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    name, serial(), Date.from(notBefore), Date.from(notAfter), name, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
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
            X509v3CertificateBuilder b = signedHere(
                    x500(name(spec.commonName(), spec.organization())), subjectKey, spec.notBefore(), spec.notAfter());
            switch (spec.usage()) {
                case INTERMEDIATE_CA -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                    b.addExtension(
                            Extension.keyUsage,
                            true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
                }
                case SERVER, CLIENT -> {
                    addLeafConstraints(b, subjectKey);
                    b.addExtension(
                            Extension.extendedKeyUsage,
                            false,
                            new ExtendedKeyUsage(
                                    spec.usage() == CertificateSpec.Usage.SERVER
                                            ? KeyPurposeId.id_kp_serverAuth
                                            : KeyPurposeId.id_kp_clientAuth));
                }
            }
            // DNS names and URIs go in as given: tests need odd ones on purpose (the CLI checks them strictly).
            // An IP SAN must be a literal, or it could not be encoded at all.
            List<GeneralName> sans = new ArrayList<>();
            spec.dnsNames().forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
            for (String ip : spec.ipAddresses()) {
                sans.add(new GeneralName(GeneralName.iPAddress, SubjectAltName.ipLiteral(ip)));
            }
            spec.uris().forEach(u -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
            if (!sans.isEmpty()) {
                b.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            return sign(b, privateKey);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue " + spec.commonName(), e);
        }
    }

    /**
     * Signs a new certificate for {@code subjectKey} that says what {@code previous} said: the same subject, the
     * same subjectAltName and extendedKeyUsage extensions (copied verbatim), a fresh serial and validity. This is
     * {@code pki renew}: the peer keeps its identity, only key, serial and dates change.
     */
    public X509Certificate reissue(
            X509Certificate previous, PublicKey subjectKey, Instant notBefore, Instant notAfter) {
        requireNonNull(previous, "previous");
        if (previous.getBasicConstraints() >= 0) {
            throw new IllegalArgumentException(previous.getSubjectX500Principal()
                            .getName() + " is a CA certificate (expected: a server or client certificate)");
        }
        try {
            X509v3CertificateBuilder b =
                    signedHere(previous.getSubjectX500Principal(), subjectKey, notBefore, notAfter);
            addLeafConstraints(b, subjectKey);
            X509CertificateHolder old = new JcaX509CertificateHolder(previous);
            for (var oid : List.of(Extension.extendedKeyUsage, Extension.subjectAlternativeName)) {
                if (old.getExtension(oid) != null) {
                    b.copyAndAddExtension(oid, old.getExtension(oid).isCritical(), old);
                }
            }
            return sign(b, privateKey);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot re-issue " + previous.getSubjectX500Principal(), e);
        }
    }

    /**
     * Signs a certificate signing request: its subject and subjectAltName as requested (the CSR's own signature is
     * checked first, proving the requester holds the key), this CA's leaf constraints, a fresh serial. For a
     * {@code local-ca} renewal: the key was made by the proxy and never leaves it.
     */
    public X509Certificate signRequest(
            PKCS10CertificationRequest csr, CertificateSpec.Usage usage, Instant notBefore, Instant notAfter)
            throws PkiException {
        try {
            JcaPKCS10CertificationRequest request = new JcaPKCS10CertificationRequest(csr);
            PublicKey subjectKey = request.getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(subjectKey))) {
                throw new PkiException("the certificate signing request's signature does not verify");
            }
            X509v3CertificateBuilder b = signedHere(x500(csr.getSubject()), subjectKey, notBefore, notAfter);
            addLeafConstraints(b, subjectKey);
            b.addExtension(
                    Extension.extendedKeyUsage,
                    false,
                    new ExtendedKeyUsage(
                            usage == CertificateSpec.Usage.SERVER
                                    ? KeyPurposeId.id_kp_serverAuth
                                    : KeyPurposeId.id_kp_clientAuth));
            for (Attribute a : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
                Extension san = Extensions.getInstance(a.getAttrValues().getObjectAt(0))
                        .getExtension(Extension.subjectAlternativeName);
                if (san != null) {
                    b.addExtension(Extension.subjectAlternativeName, san.isCritical(), san.getParsedValue());
                }
            }
            return sign(b, privateKey);
        } catch (GeneralSecurityException | OperatorCreationException | PKCSException | CertIOException e) {
            throw new PkiException("cannot sign the certificate signing request: " + e.getMessage());
        }
    }

    /**
     * True when this CA signed {@code candidate}: the issuer name is this CA's subject and the signature verifies
     * with this CA's key. The name alone proves nothing (anyone can make a CA with the same name).
     */
    public boolean isIssuerOf(X509Certificate candidate) {
        if (!candidate.getIssuerX500Principal().equals(certificate.getSubjectX500Principal())) {
            return false;
        }
        try {
            candidate.verify(certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** An intermediate CA signed by this one; its leaves carry it (and any intermediate above it) as their chain. */
    public CertificateAuthority intermediate(CertificateSpec spec) {
        IssuedCertificate issued = issue(spec);
        List<X509Certificate> above = new ArrayList<>();
        above.add(certificate);
        above.addAll(issuers);
        return new CertificateAuthority(issued.certificate(), issued.privateKey(), above);
    }

    /**
     * The intermediates a leaf this CA signs should present after itself, nearest first, never the root: this CA's
     * own certificate and those above it when it is an intermediate, nothing when it is a root.
     */
    public List<X509Certificate> intermediates() {
        return issuerChain();
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

    /**
     * A CRL listing the given serials as revoked (key compromise) at the time given, valid from thisUpdate to
     * nextUpdate, numbered by thisUpdate's epoch second.
     */
    public X509CRL crl(Map<BigInteger, Instant> revoked, Instant thisUpdate, Instant nextUpdate) {
        List<Revocation> entries = new ArrayList<>();
        revoked.forEach((serial, when) -> entries.add(new Revocation(serial, when, RevocationReason.KEY_COMPROMISE)));
        return crl(entries, thisUpdate, nextUpdate, BigInteger.valueOf(thisUpdate.getEpochSecond()));
    }

    /** A CRL with these entries and this cRLNumber (which must grow with every CRL a CA publishes). */
    public X509CRL crl(List<Revocation> entries, Instant thisUpdate, Instant nextUpdate, BigInteger number) {
        try {
            X509v2CRLBuilder b = new JcaX509v2CRLBuilder(certificate.getSubjectX500Principal(), Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (Revocation e : entries) {
                // BouncyCastle writes no reasonCode for 0, as RFC 5280 asks for "unspecified".
                b.addCRLEntry(e.serial(), Date.from(e.revokedAt()), e.reason().code());
            }
            b.addExtension(
                    Extension.authorityKeyIdentifier,
                    false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
            b.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(number));
            ContentSigner signer =
                    new JcaContentSignerBuilder(KeyAlgorithm.signatureAlgorithmFor(privateKey)).build(privateKey);
            return new JcaX509CRLConverter().getCRL(b.build(signer));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot sign CRL", e);
        }
    }

    /** A certificate this CA signs for {@code subjectKey}: a fresh serial, the authority and subject key ids. */
    private X509v3CertificateBuilder signedHere(
            X500Principal subject, PublicKey subjectKey, Instant notBefore, Instant notAfter)
            throws GeneralSecurityException, CertIOException {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                certificate, serial(), Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
        return b;
    }

    /** CA:FALSE and the key usage a TLS leaf needs: signatures, plus key encipherment for RSA key exchange. */
    private static void addLeafConstraints(X509v3CertificateBuilder b, PublicKey subjectKey) throws CertIOException {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        int usage = KeyUsage.digitalSignature;
        if ("RSA".equals(subjectKey.getAlgorithm())) {
            usage |= KeyUsage.keyEncipherment;
        }
        b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signingKey)
            throws GeneralSecurityException {
        try {
            ContentSigner signer =
                    new JcaContentSignerBuilder(KeyAlgorithm.signatureAlgorithmFor(signingKey)).build(signingKey);
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

    /**
     * O before CN in the encoding (most significant first, as openssl's {@code -subj /O=../CN=..} does), so that
     * the RFC 2253 form Java prints and allow-lists compare is {@code CN=name,O=org}.
     */
    private static X500Name name(String commonName, String organization) {
        X500NameBuilder n = new X500NameBuilder(BCStyle.INSTANCE);
        if (organization != null) {
            n.addRDN(BCStyle.O, organization);
        }
        n.addRDN(BCStyle.CN, commonName);
        return n.build();
    }

    /** Positive 127-bit random serial, as CAs should use (RFC 5280: at most 20 octets, unpredictable). */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).setBit(126);
    }
}
