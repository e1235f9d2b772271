package io.mtlsproxy.core.certs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * The project's one PEM codec: encodes certificates, keys and CRLs, decodes PEM or DER certificates, CRLs and
 * unencrypted private keys in PKCS#8, PKCS#1 (RSA) or SEC1 (EC) form, and writes files by atomic rename.
 */
public final class Pem {
    private static final Set<PosixFilePermission> KEY_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> CERT_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private Pem() {}

    public static String encode(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                if (o instanceof Collection<?> c) {
                    for (Object e : c) {
                        write(w, e);
                    }
                } else {
                    write(w, o);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void write(JcaPEMWriter w, Object o) throws IOException {
        if (o instanceof PrivateKey key) {
            w.writeObject(new JcaPKCS8Generator(key, null)); // "PRIVATE KEY" (PKCS#8), readable by every tool
        } else {
            w.writeObject(o);
        }
    }

    /** Every certificate in a PEM bundle or a single DER certificate; empty when there is none. */
    public static List<X509Certificate> readCertificates(byte[] content) throws CertificateException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        if (looksLikePem(content)) {
            try (PEMParser p = new PEMParser(reader(content))) {
                Object o;
                while ((o = p.readObject()) != null) {
                    if (o instanceof org.bouncycastle.cert.X509CertificateHolder h) {
                        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(h.getEncoded())));
                    }
                }
            } catch (IOException e) {
                throw new CertificateException("unreadable PEM: " + e.getMessage(), e);
            }
            return out;
        }
        for (var c : cf.generateCertificates(new ByteArrayInputStream(content))) {
            out.add((X509Certificate) c);
        }
        return out;
    }

    /** Every CRL in a PEM file (several issuers may share one) or a single DER CRL. */
    public static List<X509CRL> readCrls(byte[] content) throws CRLException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509CRL> out = new ArrayList<>();
            if (looksLikePem(content)) {
                try (PEMParser p = new PEMParser(reader(content))) {
                    Object o;
                    while ((o = p.readObject()) != null) {
                        if (o instanceof org.bouncycastle.cert.X509CRLHolder h) {
                            out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(h.getEncoded())));
                        }
                    }
                }
                return out;
            }
            out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(content)));
            return out;
        } catch (IOException | CertificateException e) {
            throw new CRLException("unreadable CRL: " + e.getMessage(), e);
        }
    }

    /** The first private key in a PEM file (PKCS#8, PKCS#1 or SEC1), or null when there is none. */
    public static PrivateKey readPrivateKey(byte[] content) throws IOException {
        try (PEMParser p = new PEMParser(reader(content))) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof PEMKeyPair kp) {
                    return conv.getKeyPair(kp).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return conv.getPrivateKey(info);
                }
                if (o instanceof org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo) {
                    throw new IOException("the key is encrypted (expected: an unencrypted PEM key, or a PKCS#12 "
                            + "keystore with keystore-password)");
                }
            }
            return null;
        }
    }

    /** Writes a private key with mode 0600 by atomic rename. */
    public static void writeKey(Path file, PrivateKey key) throws IOException {
        writeAtomically(file, encode(key), KEY_MODE);
    }

    /** Writes PEM objects (certificates, CRLs) with mode 0644 by atomic rename. */
    public static void writePublic(Path file, Object... objects) throws IOException {
        writeAtomically(file, encode(objects), CERT_MODE);
    }

    /**
     * Writes to a temporary file in the same directory, then renames it over the target, so that a reader
     * (a watching proxy) sees either the old or the new content, never half of it.
     */
    public static void writeAtomically(Path file, String content, Set<PosixFilePermission> mode) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp =
                Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(mode));
        try {
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(tmp, mode);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** True when the content is PEM text (a {@code -----BEGIN } line in its first 4 KiB), false for DER. */
    public static boolean isPem(byte[] content) {
        return looksLikePem(content);
    }

    private static boolean looksLikePem(byte[] content) {
        String head = new String(content, 0, Math.min(content.length, 4096), StandardCharsets.US_ASCII);
        return head.contains("-----BEGIN ");
    }

    private static Reader reader(byte[] content) {
        return new StringReader(new String(content, StandardCharsets.US_ASCII));
    }
}
