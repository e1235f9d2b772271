package io.mtlsproxy.core.renew.acme;

import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.renew.IssueException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * acme4j's provider for any RFC 8555 directory URL, talking to the server over TLS that trusts the issuer's
 * {@code trust-ca} bundle (a private or test ACME server such as Pebble) instead of the JDK trust store. Host
 * names are still verified by the JDK's HTTP client.
 */
final class TrustingAcmeProvider extends GenericAcmeProvider {
    private final SSLContext tls;

    private TrustingAcmeProvider(SSLContext tls) {
        this.tls = tls;
    }

    /** Trusts the CAs of {@code caBundle} (PEM), read now: a renewed bundle counts from the next issuance. */
    static TrustingAcmeProvider trusting(Path caBundle) throws IssueException {
        try {
            List<X509Certificate> cas = Pem.readCertificates(Files.readAllBytes(caBundle));
            if (cas.isEmpty()) {
                throw new IssueException("acme: trust-ca " + caBundle + " holds no certificate (expected: the PEM CA"
                        + " bundle of the ACME server's TLS certificate)");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return new TrustingAcmeProvider(tls);
        } catch (IOException | GeneralSecurityException e) {
            throw new IssueException("acme: cannot use trust-ca " + caBundle + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected HttpConnector createHttpConnector(NetworkSettings settings) {
        return new HttpConnector(settings) {
            @Override
            public HttpClient.Builder createClientBuilder() {
                return super.createClientBuilder().sslContext(tls);
            }
        };
    }
}
