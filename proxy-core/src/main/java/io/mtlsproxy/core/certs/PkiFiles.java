package io.mtlsproxy.core.certs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/** Reads the certificate and key files the {@code pki} commands are given, with errors that name the file. */
public final class PkiFiles {
    private PkiFiles() {}

    /** Every certificate of a PEM bundle or DER file, leaf first as written. */
    public static List<X509Certificate> certificates(Path file) throws IOException, PkiException {
        List<X509Certificate> all;
        try {
            all = Pem.readCertificates(Files.readAllBytes(file));
        } catch (CertificateException e) {
            all = List.of();
        }
        if (all.isEmpty()) {
            throw new PkiException(file + ": no certificate (expected: a PEM or DER certificate)");
        }
        return all;
    }

    /** The first certificate of a file: the leaf of a bundle. */
    public static X509Certificate firstCertificate(Path file) throws IOException, PkiException {
        return certificates(file).get(0);
    }

    /** An unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1). */
    public static PrivateKey privateKey(Path file) throws IOException, PkiException {
        PrivateKey key;
        try {
            key = Pem.readPrivateKey(Files.readAllBytes(file));
        } catch (IOException e) {
            if (!Files.isReadable(file)) {
                throw e; // missing or unreadable: the caller reports the I/O problem itself
            }
            throw new PkiException(file + ": " + e.getMessage());
        }
        if (key == null) {
            throw new PkiException(file + ": no private key (expected: an unencrypted PEM private key)");
        }
        return key;
    }
}
