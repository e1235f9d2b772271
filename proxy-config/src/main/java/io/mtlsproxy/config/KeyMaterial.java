package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A certificate chain and its private key: either a PEM pair ({@code cert} + {@code key}) or a PKCS#12
 * {@code keystore} with an optional password. The loader guarantees exactly one of the two forms is set.
 * {@code renew} is the certificate's {@code renew} block (PEM only: renewal writes key and certificate files).
 */
public record KeyMaterial(
        Optional<FileRef> cert,
        Optional<FileRef> key,
        Optional<FileRef> keystore,
        Optional<String> keystorePassword,
        String keyPath,
        Source source,
        Optional<RenewSpec> renew) {
    public KeyMaterial {
        requireNonNull(cert, "cert");
        requireNonNull(key, "key");
        requireNonNull(keystore, "keystore");
        requireNonNull(keystorePassword, "keystorePassword");
        requireNonNull(keyPath, "keyPath");
        requireNonNull(source, "source");
        requireNonNull(renew, "renew");
    }

    public static KeyMaterial pem(FileRef cert, FileRef key, String keyPath, Source source) {
        return new KeyMaterial(
                Optional.of(cert),
                Optional.of(key),
                Optional.empty(),
                Optional.empty(),
                keyPath,
                source,
                Optional.empty());
    }

    public static KeyMaterial pkcs12(FileRef keystore, Optional<String> password, String keyPath, Source source) {
        return new KeyMaterial(
                Optional.empty(), Optional.empty(), Optional.of(keystore), password, keyPath, source, Optional.empty());
    }

    /** The same material with a {@code renew} block: the proxy renews this certificate itself. */
    public KeyMaterial withRenew(Optional<RenewSpec> spec) {
        return new KeyMaterial(cert, key, keystore, keystorePassword, keyPath, source, spec);
    }

    public boolean isPkcs12() {
        return keystore.isPresent();
    }

    /** The file that holds the certificate (the PEM cert, or the keystore). */
    public FileRef certificateFile() {
        return cert.or(() -> keystore).orElseThrow();
    }
}
