package io.mtlsproxy.admin.demo;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The demo's throwaway PKI, two trust domains as in a real deployment: the edge CA (the proxy's server
 * certificate and the clients' certificates) and the origin CA (the origins' server certificates and the
 * proxy's own client identity towards them).
 */
public record DemoPki(Path dir) {
    public static final String CLIENT_SPIFFE_ID = "spiffe://demo.local/ns/demo/sa/curl";
    public static final String EXPIRING_NAME = "expiring.localhost";
    public static final int EXPIRING_DAYS = 20;

    public Path edgeCa() {
        return dir.resolve("ca.crt");
    }

    public Path proxyCert() {
        return dir.resolve("proxy.crt");
    }

    public Path proxyKey() {
        return dir.resolve("proxy.key");
    }

    public Path clientCert() {
        return dir.resolve("client.crt");
    }

    public Path clientKey() {
        return dir.resolve("client.key");
    }

    public Path originCa() {
        return dir.resolve("origin-ca.crt");
    }

    public Path originCert() {
        return dir.resolve("origin.crt");
    }

    public Path originKey() {
        return dir.resolve("origin.key");
    }

    /** The demo's one expiring certificate: a second server certificate of the tls listener, for SNI {@link
     *  #EXPIRING_NAME}, made to expire in {@link #EXPIRING_DAYS} days so that /certs shows what "expiring" is. */
    public Path expiringCert() {
        return dir.resolve("expiring-example.crt");
    }

    public Path expiringKey() {
        return dir.resolve("expiring-example.key");
    }

    public Path proxyClientCert() {
        return dir.resolve("proxy-client.crt");
    }

    public Path proxyClientKey() {
        return dir.resolve("proxy-client.key");
    }

    /** Makes every certificate and key under {@code dir} (keys 0600). */
    public static DemoPki create(Path dir) throws IOException {
        DemoPki pki = new DemoPki(dir);
        CertificateAuthority edge =
                CertificateAuthority.createRoot("mtls-proxy demo edge CA", Duration.ofDays(3650), KeyAlgorithm.EC_P256);
        CertificateAuthority origin = CertificateAuthority.createRoot(
                "mtls-proxy demo origin CA", Duration.ofDays(3650), KeyAlgorithm.EC_P256);
        Pem.writePublic(pki.edgeCa(), edge.certificate());
        Pem.writePublic(pki.originCa(), origin.certificate());
        write(
                edge.issue(CertificateSpec.server("localhost")
                        .dns("localhost")
                        .ip("127.0.0.1")
                        .validFor(Duration.ofDays(365))
                        .build()),
                pki.proxyCert(),
                pki.proxyKey());
        write(
                edge.issue(CertificateSpec.client("demo-client")
                        .organization("mtls-proxy demo")
                        .uri(CLIENT_SPIFFE_ID)
                        .validFor(Duration.ofDays(365))
                        .build()),
                pki.clientCert(),
                pki.clientKey());
        write(
                origin.issue(CertificateSpec.server("localhost")
                        .dns("localhost")
                        .ip("127.0.0.1")
                        .validFor(Duration.ofDays(365))
                        .build()),
                pki.originCert(),
                pki.originKey());
        write(
                origin.issue(CertificateSpec.client("mtls-proxy")
                        .organization("mtls-proxy demo")
                        .uri("spiffe://demo.local/ns/edge/sa/mtls-proxy")
                        .validFor(Duration.ofDays(365))
                        .build()),
                pki.proxyClientCert(),
                pki.proxyClientKey());
        // one certificate, named so, expires in 20 days on purpose: /certs and the log show it as "expiring"
        write(
                edge.issue(CertificateSpec.server("expiring-example")
                        .dns(EXPIRING_NAME)
                        .validFor(Duration.ofDays(EXPIRING_DAYS))
                        .build()),
                pki.expiringCert(),
                pki.expiringKey());
        return pki;
    }

    private static void write(IssuedCertificate issued, Path cert, Path key) throws IOException {
        Pem.writeKey(key, issued.privateKey());
        Pem.writePublic(cert, issued.chain());
    }
}
