package io.mtlsproxy.core.certs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;

/** Reads a PKCS#12 keystore: the first key entry's chain and key, or every certificate it holds. */
public final class Pkcs12 {
    private Pkcs12() {}

    /** The first private-key entry: its chain (leaf first) and key. */
    public static IssuedCertificate readKeyEntry(byte[] content, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore ks = load(content, password);
        for (String alias : Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias)) {
                Key key = ks.getKey(alias, password);
                if (key instanceof PrivateKey pk) {
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate c : ks.getCertificateChain(alias)) {
                        chain.add((X509Certificate) c);
                    }
                    return new IssuedCertificate(chain.get(0), pk, chain.subList(1, chain.size()));
                }
            }
        }
        throw new GeneralSecurityException("the keystore holds no private key entry");
    }

    /** Every certificate in the keystore, key entries' chains first. */
    public static List<X509Certificate> readCertificates(byte[] content, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore ks = load(content, password);
        List<X509Certificate> out = new ArrayList<>();
        for (String alias : Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias) && ks.getCertificateChain(alias) != null) {
                for (Certificate c : ks.getCertificateChain(alias)) {
                    out.add((X509Certificate) c);
                }
            } else if (ks.getCertificate(alias) instanceof X509Certificate c) {
                out.add(c);
            }
        }
        return out;
    }

    /** Writes a keystore holding one key entry (for tests and tools; mode 0600 by atomic rename). */
    public static byte[] encode(IssuedCertificate issued, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", issued.privateKey(), password, issued.chain().toArray(Certificate[]::new));
        var out = new java.io.ByteArrayOutputStream();
        ks.store(out, password);
        return out.toByteArray();
    }

    /**
     * True when the bytes are a PKCS#12 PFX: a DER/BER SEQUENCE of {@code version INTEGER (3)}, an authSafe
     * ContentInfo (PKCS#7 data or signedData) and optional macData. A DER certificate or CRL also starts with a
     * SEQUENCE, but its first element is another SEQUENCE (the to-be-signed part), never the integer 3.
     */
    public static boolean looksLikePkcs12(byte[] content) {
        if (content.length < 4 || content[0] != 0x30) {
            return false;
        }
        try (ASN1InputStream in = new ASN1InputStream(content)) { // bounded by content.length
            if (!(in.readObject() instanceof ASN1Sequence pfx) || pfx.size() < 2 || pfx.size() > 3) {
                return false;
            }
            if (!(pfx.getObjectAt(0) instanceof ASN1Integer version) || !version.hasValue(3)) {
                return false;
            }
            return pfx.getObjectAt(1) instanceof ASN1Sequence authSafe
                    && authSafe.size() >= 1
                    && authSafe.getObjectAt(0) instanceof ASN1ObjectIdentifier type
                    && (type.equals(PKCSObjectIdentifiers.data) || type.equals(PKCSObjectIdentifiers.signedData));
        } catch (IOException | RuntimeException e) {
            return false; // not ASN.1 at all, or truncated
        }
    }

    private static KeyStore load(byte[] content, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(new ByteArrayInputStream(content), password);
        return ks;
    }
}
