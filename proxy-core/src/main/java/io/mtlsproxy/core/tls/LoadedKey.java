package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.FileRef;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A certificate chain (leaf first) and the private key that matches its leaf, with the file it came from. */
public record LoadedKey(List<X509Certificate> chain, PrivateKey privateKey, FileRef certificateFile) {
    public LoadedKey {
        chain = List.copyOf(requireNonNull(chain, "chain"));
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected: at least the leaf certificate)");
        }
        requireNonNull(privateKey, "privateKey");
        requireNonNull(certificateFile, "certificateFile");
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public X509Certificate[] chainArray() {
        return chain.toArray(X509Certificate[]::new);
    }
}
