package io.mtlsproxy.config;

import java.util.Optional;

/**
 * Reads a certificate with its key: {@code cert} + {@code key} (PEM) or {@code keystore} (+
 * {@code keystore-password}, PKCS#12). The same reader serves a listener's certificates and a route's client
 * identity, so both accept the same two forms with the same messages.
 */
final class KeyMaterialReader {
    static final String CERT = "cert";
    static final String KEY = "key";
    static final String KEYSTORE = "keystore";
    static final String KEYSTORE_PASSWORD = "keystore-password";
    static final String RENEW = "renew";

    private KeyMaterialReader() {}

    static boolean mentionsAny(Node n) {
        return n.has(CERT) || n.has(KEY) || n.has(KEYSTORE) || n.has(KEYSTORE_PASSWORD);
    }

    /** The key material of {@code n}; empty (and nothing reported) when none of its keys is present. */
    static Optional<KeyMaterial> read(Node n) {
        Optional<FileRef> cert = n.file(CERT);
        Optional<FileRef> key = n.file(KEY);
        Optional<FileRef> keystore = n.file(KEYSTORE);
        Optional<String> password = n.text(KEYSTORE_PASSWORD);
        boolean pem = n.has(CERT) || n.has(KEY);
        if (n.has(KEYSTORE) && pem) {
            n.error(
                    KEYSTORE,
                    "given together with " + (n.has(CERT) ? CERT : KEY)
                            + " (expected: either cert + key, or keystore, not both)");
        }
        if (n.has(KEYSTORE_PASSWORD) && !n.has(KEYSTORE)) {
            n.error(KEYSTORE_PASSWORD, "given without keystore (expected: keystore = \"x.p12\" next to it)");
        }
        if (n.has(CERT) && !n.has(KEY)) {
            n.missing(KEY, "the private key of " + CERT + ", e.g. key = \"pki/server.key\"");
        }
        if (n.has(KEY) && !n.has(CERT)) {
            n.missing(CERT, "the certificate of " + KEY + ", e.g. cert = \"pki/server.crt\"");
        }
        Optional<RenewSpec> renew = n.object(RENEW).map(RenewReader::read);
        if (n.has(RENEW) && n.has(KEYSTORE)) {
            n.error(RENEW, "given with keystore: renewal writes PEM files (expected: cert + key next to renew)");
        }
        if (keystore.isPresent()) {
            return Optional.of(KeyMaterial.pkcs12(keystore.get(), password, n.path(), n.source()));
        }
        if (cert.isPresent() && key.isPresent()) {
            return Optional.of(
                    KeyMaterial.pem(cert.get(), key.get(), n.path(), n.source()).withRenew(renew));
        }
        return Optional.empty();
    }
}
