package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.KeyMaterial;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.KeyPossession;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.Pkcs12;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one place a certificate and its key are read: listener server certificates and route client identities
 * alike. Every problem becomes a {@link ConfigError} at the line of the config key that named the file.
 * Blocking file I/O: called at load and reload only, never on an event loop.
 */
public final class CertificateLoader {

    private CertificateLoader() {}

    public static LoadedKey load(KeyMaterial material) throws ConfigException {
        return material.isPkcs12() ? loadPkcs12(material) : loadPem(material);
    }

    /** Reads a file named in the config, or reports why it can't be read. */
    static byte[] read(FileRef ref) throws ConfigException {
        try {
            return Files.readAllBytes(ref.path());
        } catch (NoSuchFileException e) {
            throw new ConfigException(ref.error("file not found: " + ref.path()));
        } catch (AccessDeniedException e) {
            throw new ConfigException(ref.error("cannot read " + ref.path() + ": permission denied"));
        } catch (IOException e) {
            throw new ConfigException(ref.error("cannot read " + ref.path() + ": " + e.getMessage()));
        }
    }

    private static LoadedKey loadPem(KeyMaterial material) throws ConfigException {
        FileRef certRef = material.cert().orElseThrow(() -> new IllegalArgumentException("cert: absent"));
        FileRef keyRef = material.key().orElseThrow(() -> new IllegalArgumentException("key: absent"));
        List<ConfigError> errors = new ArrayList<>();
        List<X509Certificate> chain = null;
        PrivateKey key = null;
        try {
            chain = readChain(certRef);
        } catch (ConfigException e) {
            errors.addAll(e.errors());
        }
        try {
            key = readKey(keyRef);
        } catch (ConfigException e) {
            errors.addAll(e.errors());
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        checkKeyMatches(chain.get(0), key, keyRef, certRef);
        return new LoadedKey(chain, key, certRef);
    }

    static List<X509Certificate> readChain(FileRef ref) throws ConfigException {
        byte[] content = read(ref);
        List<X509Certificate> certs;
        try {
            certs = Pem.readCertificates(content);
        } catch (CertificateException e) {
            throw new ConfigException(ref.error("unreadable certificate in " + ref.path() + ": " + e.getMessage()
                    + " (expected: PEM \"BEGIN CERTIFICATE\" blocks or one DER certificate)"));
        }
        if (certs.isEmpty()) {
            throw new ConfigException(ref.error(
                    "no certificate in " + ref.path() + " (expected: at least one PEM \"BEGIN CERTIFICATE\" block)"));
        }
        return certs;
    }

    private static PrivateKey readKey(FileRef ref) throws ConfigException {
        byte[] content = read(ref);
        PrivateKey key;
        try {
            key = Pem.readPrivateKey(content);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(ref.error("unreadable private key in " + ref.path() + ": " + e.getMessage()));
        }
        if (key == null) {
            throw new ConfigException(ref.error("no private key in " + ref.path()
                    + " (expected: an unencrypted PEM key: PKCS#8 \"PRIVATE KEY\", PKCS#1 \"RSA PRIVATE KEY\" or "
                    + "SEC1 \"EC PRIVATE KEY\")"));
        }
        return key;
    }

    private static LoadedKey loadPkcs12(KeyMaterial material) throws ConfigException {
        FileRef ref = material.keystore().orElseThrow();
        byte[] content = read(ref);
        char[] password = material.keystorePassword().orElse("").toCharArray();
        IssuedCertificate entry;
        try {
            entry = Pkcs12.readKeyEntry(content, password);
        } catch (IOException e) {
            boolean badPassword = e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password");
            if (badPassword) {
                throw new ConfigException(
                        ref.error("cannot open keystore " + ref.path() + ": wrong or missing keystore-password"));
            }
            throw new ConfigException(ref.error("unreadable PKCS#12 keystore " + ref.path() + ": " + e.getMessage()));
        } catch (UnrecoverableKeyException e) {
            throw new ConfigException(
                    ref.error("cannot open keystore " + ref.path() + ": wrong or missing keystore-password"));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new ConfigException(ref.error("unusable PKCS#12 keystore " + ref.path() + ": " + e.getMessage()
                    + " (expected: one private key entry with its certificate chain)"));
        }
        checkKeyMatches(entry.certificate(), entry.privateKey(), ref, ref);
        return new LoadedKey(entry.chain(), entry.privateKey(), ref);
    }

    /** The key must belong to the certificate ({@link KeyPossession}): what the TLS handshake will need. */
    static void checkKeyMatches(X509Certificate leaf, PrivateKey key, FileRef keyRef, FileRef certRef)
            throws ConfigException {
        Optional<String> problem = KeyPossession.mismatch(leaf.getPublicKey(), key);
        if (problem.isPresent()) {
            throw new ConfigException(keyRef.error("the private key in " + keyRef.path()
                    + " does not match the certificate "
                    + leaf.getSubjectX500Principal().getName() + " in "
                    + certRef.path() + ": " + problem.get()));
        }
    }
}
