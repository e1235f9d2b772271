package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A certificate chain and its private key: either a PEM pair ({@code cert} + {@code key}) or a PKCS#12
 * {@code keystore} with an optional password. The loader guarantees exactly one of the two forms is set.
 */
public record KeyMaterial(Optional<FileRef> cert, Optional<FileRef> key, Optional<FileRef> keystore,
                          Optional<String> keystorePassword, String keyPath, Source source) {
    public KeyMaterial {
        requireNonNull(cert, "cert");
        requireNonNull(key, "key");
        requireNonNull(keystore, "keystore");
        requireNonNull(keystorePassword, "keystorePassword");
        requireNonNull(keyPath, "keyPath");
        requireNonNull(source, "source");
    }

    public static KeyMaterial pem(FileRef cert, FileRef key, String keyPath, Source source) {
        return new KeyMaterial(Optional.of(cert), Optional.of(key), Optional.empty(), Optional.empty(), keyPath, source);
    }

    public static KeyMaterial pkcs12(FileRef keystore, Optional<String> password, String keyPath, Source source) {
        return new KeyMaterial(Optional.empty(), Optional.empty(), Optional.of(keystore), password, keyPath, source);
    }

    public boolean isPkcs12() {
        return keystore.isPresent();
    }

    /** The file that holds the certificate (the PEM cert, or the keystore). */
    public FileRef certificateFile() {
        return cert.or(() -> keystore).orElseThrow();
    }
}
