package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.revocation.CrlFetcher;
import java.net.URI;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A listener's part of the inventory behind /certs and the expiry gauges: its server certificates, its client
 * CAs and the CRLs it enforces, as {@link ServerTls} loaded them.
 */
final class ListenerInventory {
    private ListenerInventory() {}

    /**
     * The leaf of each server certificate ({@code listener-server}; intermediates belong to the CA's own
     * monitoring) and every certificate of the client-ca bundle ({@code listener-client-ca}).
     */
    static List<CertificateUse> certificates(ListenerConfig listener, List<LoadedKey> keys, TrustAnchors clientCas) {
        List<CertificateUse> out = new ArrayList<>();
        for (LoadedKey key : keys) {
            out.add(new CertificateUse(
                    CertificateUse.LISTENER_SERVER,
                    listener.name(),
                    key.certificateFile().path(),
                    key.leaf()));
        }
        if (clientCas != null) {
            for (X509Certificate ca : clientCas.certificates()) {
                out.add(new CertificateUse(
                        CertificateUse.LISTENER_CLIENT_CA,
                        listener.name(),
                        clientCas.caFile().orElseThrow().path(),
                        ca));
            }
        }
        return out;
    }

    /** The CRLs of one client trust (a file's, or a URL's with its fetch state), for the inventory. */
    static void addCrls(String owner, TrustAnchors clientCas, CrlFetcher fetcher, List<CrlUse> out) {
        if (clientCas != null && clientCas.crlFile().isPresent()) {
            for (X509CRL crl : clientCas.crls()) {
                out.add(new CrlUse(owner, clientCas.crlFile().get().path(), crl));
            }
        }
        if (clientCas != null && clientCas.crlUrl().isPresent()) {
            URI url = clientCas.crlUrl().get().url();
            for (X509CRL crl : clientCas.crls()) {
                out.add(new CrlUse(owner, url.toString(), crl, Optional.of(() -> fetcher.status(url))));
            }
        }
    }
}
