package io.mtlsproxy.admin.cli.pki;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.Pkcs12;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The certificates and CRLs one file holds, whatever its form: PEM (any mix of certificates and CRLs), DER
 * (one certificate or one CRL) or PKCS#12; or the one-line reason it could not be read.
 */
record InspectedFile(Path path, String format, List<X509Certificate> certificates, List<X509CRL> crls, String error) {
    InspectedFile {
        requireNonNull(path, "path");
        certificates = List.copyOf(certificates);
        crls = List.copyOf(crls);
    }

    static InspectedFile failed(Path path, String error) {
        return new InspectedFile(path, null, List.of(), List.of(), error);
    }

    /**
     * Reads {@code path}. A PKCS#12 file is opened with {@code password} when one is given, else with the empty
     * password (what {@code openssl pkcs12 -export -passout pass:} writes).
     */
    static InspectedFile read(Path path, char[] password) {
        byte[] content;
        try {
            content = Files.readAllBytes(path);
        } catch (IOException e) {
            return failed(path, PkiSubcommand.describe(e));
        }
        if (Pem.isPem(content)) {
            return pem(path, content);
        }
        if (Pkcs12.looksLikePkcs12(content)) {
            return pkcs12(path, content, password);
        }
        return der(path, content);
    }

    private static InspectedFile pem(Path path, byte[] content) {
        try {
            List<X509Certificate> certs = Pem.readCertificates(content);
            List<X509CRL> crls = Pem.readCrls(content);
            if (certs.isEmpty() && crls.isEmpty()) {
                return failed(path, path + ": no certificate or CRL in this PEM file (a key alone is not inspected)");
            }
            return new InspectedFile(path, "PEM", certs, crls, null);
        } catch (CertificateException | CRLException e) {
            return failed(path, path + ": unreadable PEM: " + e.getMessage());
        }
    }

    private static InspectedFile pkcs12(Path path, byte[] content, char[] password) {
        char[] attempt = password != null ? password : new char[0];
        try {
            return new InspectedFile(path, "PKCS#12", Pkcs12.readCertificates(content, attempt), List.of(), null);
        } catch (IOException | GeneralSecurityException e) {
            boolean wrongPassword = e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password");
            return failed(
                    path,
                    path + ": cannot open PKCS#12 "
                            + (wrongPassword
                                    ? (password == null ? "with the empty password" : "with the password given")
                                            + " (expected: --password or MTLS_PROXY_P12_PASSWORD)"
                                    : "(" + e.getMessage() + ")"));
        }
    }

    private static InspectedFile der(Path path, byte[] content) {
        try {
            List<X509Certificate> certs = Pem.readCertificates(content);
            if (!certs.isEmpty()) {
                return new InspectedFile(path, "DER", certs, List.of(), null);
            }
        } catch (CertificateException e) {
            // not a certificate: maybe a CRL
        }
        try {
            return new InspectedFile(path, "DER", List.of(), Pem.readCrls(content), null);
        } catch (CRLException e) {
            return failed(path, path + ": not a certificate, CRL or PKCS#12 file (expected: PEM, DER or PKCS#12)");
        }
    }
}
