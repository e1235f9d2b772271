package io.mtlsproxy.core.renew;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * What a renewal asks an issuer for: a signed CSR (the proxy's new public key, the subject and the SANs) and,
 * for issuers that do not parse CSRs themselves, the same names decoded. {@code usage} is
 * {@code listener-server} or {@code upstream-client}; {@code owner} the listener or route.
 */
public record CertificateRequest(
        String usage,
        String owner,
        PKCS10CertificationRequest csr,
        String commonName,
        List<String> dnsNames,
        List<String> uriNames) {
    public CertificateRequest {
        requireNonNull(usage, "usage");
        requireNonNull(owner, "owner");
        requireNonNull(csr, "csr");
        requireNonNull(commonName, "commonName");
        dnsNames = List.copyOf(dnsNames);
        uriNames = List.copyOf(uriNames);
    }

    public boolean forServer() {
        return usage.equals("listener-server");
    }

    public byte[] der() {
        try {
            return csr.getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CSR as PEM ({@code CERTIFICATE REQUEST}), as step-ca, Vault and openssl read it. */
    public String pem() {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(der());
        return "-----BEGIN CERTIFICATE REQUEST-----\n" + body + "\n-----END CERTIFICATE REQUEST-----\n";
    }
}
