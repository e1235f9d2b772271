package io.mtlsproxy.core;

import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.Pkcs12;
import io.mtlsproxy.core.testing.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * A proxy's configuration directory as an operator has it: a HOCON file and the PEM, CRL and PKCS#12 files it
 * names, each replaced by atomic rename the way {@code pki renew} and cert-manager write them.
 */
final class LiveFiles {
    final Path dir;

    LiveFiles(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path path(String name) {
        return dir.resolve(name);
    }

    /** Writes {@code name.crt} and {@code name.key}: the key first (as {@code pki renew}), or the certificate. */
    void pair(String name, TestPki.Leaf leaf, boolean keyFirst) {
        if (keyFirst) {
            key(name, leaf);
            cert(name, leaf);
        } else {
            cert(name, leaf);
            key(name, leaf);
        }
    }

    void cert(String name, TestPki.Leaf leaf) {
        certificates(name + ".crt", leaf.issued().chain().toArray(new X509Certificate[0]));
    }

    void key(String name, TestPki.Leaf leaf) {
        try {
            Pem.writeKey(path(name + ".key"), leaf.issued().privateKey());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void certificates(String file, X509Certificate... certificates) {
        try {
            Pem.writePublic(path(file), (Object[]) certificates);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A bundle of the CAs' certificates, in order. */
    void caBundle(String file, TestPki.Ca... cas) {
        List<X509Certificate> certs = new ArrayList<>();
        for (TestPki.Ca ca : cas) {
            certs.add(ca.authority().certificate());
        }
        certificates(file, certs.toArray(new X509Certificate[0]));
    }

    void crls(String file, X509CRL... crls) {
        try {
            Pem.writePublic(path(file), (Object[]) crls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void pkcs12(String file, TestPki.Leaf leaf, String password) {
        try {
            bytes(file, Pkcs12.encode(leaf.issued(), password.toCharArray()));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    void text(String file, String content) {
        try {
            Pem.writeAtomically(path(file), content, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void bytes(String file, byte[] content) {
        try {
            Path tmp = Files.createTempFile(dir, "." + file, ".tmp");
            Files.write(tmp, content);
            Files.move(tmp, path(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
