package io.mtlsproxy.bench.pki;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The run's throwaway PKI, made at start under the run directory and deleted with it (keys are never
 * committed). Two CAs, as in a real deployment: the edge CA signs the proxy's server certificate and the load
 * generator's client certificate; the origin CA signs the origin's server certificate and the identity the
 * proxy presents to the mTLS origin. Every peer gets exactly these files. EC P-256 keys throughout.
 */
public record BenchPki(
        Path dir,
        Path edgeCa,
        Path edgeCaKey,
        Path proxyCert,
        Path proxyKey,
        Path proxyCombined,
        Path loaderCert,
        Path loaderKey,
        Path originCa,
        Path originCert,
        Path originKey,
        Path upstreamClientCert,
        Path upstreamClientKey,
        Path upstreamClientCombined) {
    /** SNI, Host header and SAN of the proxy's listeners. */
    public static final String PROXY_NAME = "proxy.bench.local";
    /** SNI and verified name of the origin. */
    public static final String ORIGIN_NAME = "origin.bench.local";

    public static BenchPki create(Path dir) throws IOException {
        Files.createDirectories(dir);
        // Long enough that mtls-proxy's inventory sees them as valid, not expiring (warn-before is 30 days).
        Duration validity = Duration.ofDays(90);
        CertificateAuthority edge = CertificateAuthority.createRoot("bench edge CA", validity, KeyAlgorithm.EC_P256);
        CertificateAuthority origin =
                CertificateAuthority.createRoot("bench origin CA", validity, KeyAlgorithm.EC_P256);
        IssuedCertificate proxy = edge.issue(CertificateSpec.server(PROXY_NAME)
                .dns(PROXY_NAME, "localhost")
                .ip("127.0.0.1")
                .validFor(validity)
                .build());
        IssuedCertificate loader = edge.issue(CertificateSpec.client("bench-loader")
                .organization("mtls-bench")
                .validFor(validity)
                .build());
        IssuedCertificate originServer = origin.issue(CertificateSpec.server(ORIGIN_NAME)
                .dns(ORIGIN_NAME)
                .ip("127.0.0.1")
                .validFor(validity)
                .build());
        IssuedCertificate upstreamClient = origin.issue(CertificateSpec.client("bench-proxy")
                .organization("mtls-bench")
                .validFor(validity)
                .build());

        BenchPki pki = new BenchPki(
                dir,
                dir.resolve("edge-ca.crt"),
                dir.resolve("edge-ca.key"),
                dir.resolve("proxy.crt"),
                dir.resolve("proxy.key"),
                dir.resolve("proxy-combined.pem"),
                dir.resolve("loader.crt"),
                dir.resolve("loader.key"),
                dir.resolve("origin-ca.crt"),
                dir.resolve("origin.crt"),
                dir.resolve("origin.key"),
                dir.resolve("upstream-client.crt"),
                dir.resolve("upstream-client.key"),
                dir.resolve("upstream-client-combined.pem"));
        Pem.writePublic(pki.edgeCa, edge.certificate());
        Pem.writeKey(pki.edgeCaKey, edge.privateKey()); // the OCSP responder of mtls-proxy-ocsp signs with it
        Pem.writePublic(pki.originCa, origin.certificate());
        write(proxy, pki.proxyCert, pki.proxyKey, pki.proxyCombined);
        write(loader, pki.loaderCert, pki.loaderKey, null);
        write(originServer, pki.originCert, pki.originKey, null);
        write(upstreamClient, pki.upstreamClientCert, pki.upstreamClientKey, pki.upstreamClientCombined);
        return pki;
    }

    /** Chain and key as separate PEM files, plus HAProxy's chain-and-key-in-one-file form when asked. */
    private static void write(IssuedCertificate issued, Path cert, Path key, Path combined) throws IOException {
        Pem.writePublic(cert, issued.chain());
        Pem.writeKey(key, issued.privateKey());
        if (combined != null) {
            Pem.writeAtomically(
                    combined,
                    Pem.encode(issued.chain(), issued.privateKey()),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }
}
