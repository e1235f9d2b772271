package io.mtlsproxy.bench.soak;

import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.ca.RevocationReason;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The soak's throwaway PKI, kept as CA directories (unlike the bench's, whose CA keys are thrown away) because
 * the soak keeps signing while the proxy runs: a CRL re-signed with one more revoked client each time, and the
 * proxy's own {@code local-ca} issuers renew the server and upstream client certificates from these directories.
 * Those two are issued short-lived ({@code renewingValidity}), so that the first renewal comes early in the soak.
 * Everything lives under the run directory and is deleted with it.
 */
public final class SoakPki {
    private static final Duration VALIDITY = Duration.ofDays(90);
    /** The SPIFFE ID the proxy presents to the mTLS origin; every renewal must keep it. */
    static final String UPSTREAM_IDENTITY = "spiffe://soak.test/proxy";

    private static final Duration CRL_NEXT_UPDATE = Duration.ofDays(7);

    private final Path dir;
    private final CaDirectory edge;
    private final CaDirectory origin;
    private final Path proxyCert;
    private final Path proxyKey;
    private final Path loaderCert;
    private final Path loaderKey;
    private final Path originCert;
    private final Path originKey;
    private final Path upstreamCert;
    private final Path upstreamKey;
    private int revokedCount;

    private SoakPki(Path dir, CaDirectory edge, CaDirectory origin) {
        this.dir = dir;
        this.edge = edge;
        this.origin = origin;
        this.proxyCert = dir.resolve("proxy.crt");
        this.proxyKey = dir.resolve("proxy.key");
        this.loaderCert = dir.resolve("loader.crt");
        this.loaderKey = dir.resolve("loader.key");
        this.originCert = dir.resolve("origin.crt");
        this.originKey = dir.resolve("origin.key");
        this.upstreamCert = dir.resolve("upstream-client.crt");
        this.upstreamKey = dir.resolve("upstream-client.key");
    }

    /**
     * Two CAs as in the bench: the edge CA signs the proxy's server certificate, the load generator's client
     * certificate and the CRL the listener enforces; the origin CA signs the origins' certificate and the client
     * identity the proxy presents to the mTLS origin.
     */
    public static SoakPki create(Path dir, Duration renewingValidity) throws IOException, PkiException {
        CaDirectory edge = CaDirectory.create(
                dir.resolve("edge-ca"),
                CertificateAuthority.createRoot("soak edge CA", VALIDITY, KeyAlgorithm.EC_P256),
                false);
        CaDirectory origin = CaDirectory.create(
                dir.resolve("origin-ca"),
                CertificateAuthority.createRoot("soak origin CA", VALIDITY, KeyAlgorithm.EC_P256),
                false);
        SoakPki pki = new SoakPki(dir, edge, origin);
        write(
                edge.authority()
                        .issue(CertificateSpec.server(BenchPki.PROXY_NAME)
                                .dns(BenchPki.PROXY_NAME, "localhost")
                                .ip("127.0.0.1")
                                .validity(Instant.now(), Instant.now().plus(renewingValidity))
                                .build()),
                pki.proxyCert,
                pki.proxyKey);
        write(
                edge.authority()
                        .issue(CertificateSpec.client("soak-loader")
                                .organization("mtls-soak")
                                .validFor(VALIDITY)
                                .build()),
                pki.loaderCert,
                pki.loaderKey);
        write(
                origin.authority()
                        .issue(CertificateSpec.server(BenchPki.ORIGIN_NAME)
                                .dns(BenchPki.ORIGIN_NAME)
                                .ip("127.0.0.1")
                                .validFor(VALIDITY)
                                .build()),
                pki.originCert,
                pki.originKey);
        write(
                origin.authority()
                        .issue(CertificateSpec.client("soak-proxy")
                                .organization("mtls-soak")
                                // renewal keeps a client certificate's names, and needs one to keep
                                .uri(UPSTREAM_IDENTITY)
                                .validity(Instant.now(), Instant.now().plus(renewingValidity))
                                .build()),
                pki.upstreamCert,
                pki.upstreamKey);
        // The listener names a CRL from the start, so that every re-sign is a change of a watched file.
        edge.revoke(edge.crlFile(), List.of(), RevocationReason.UNSPECIFIED, Instant.now(), CRL_NEXT_UPDATE);
        return pki;
    }

    private static X509Certificate write(IssuedCertificate issued, Path cert, Path key) throws IOException {
        Pem.writeKey(key, issued.privateKey());
        Pem.writePublic(cert, issued.chain());
        return issued.certificate();
    }

    /** The serial of the first certificate in a PEM file (the one a renewal by the proxy just wrote). */
    public static BigInteger serialOf(Path certFile) throws IOException {
        try {
            return Pem.readCertificates(Files.readAllBytes(certFile)).get(0).getSerialNumber();
        } catch (CertificateException | IndexOutOfBoundsException e) {
            throw new IOException(certFile + ": no certificate (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Issues a throwaway client certificate under the edge CA (written next to the others, for a probe that must
     * be refused), revokes it and re-signs the CRL by atomic rename ({@code pki revoke}).
     */
    public synchronized Revoked revokeFreshClient() throws IOException, PkiException {
        revokedCount++;
        Path cert = dir.resolve("revoked-" + revokedCount + ".crt");
        Path key = dir.resolve("revoked-" + revokedCount + ".key");
        X509Certificate c = write(
                edge.authority()
                        .issue(CertificateSpec.client("soak-revoked-" + revokedCount)
                                .organization("mtls-soak")
                                .validFor(VALIDITY)
                                .build()),
                cert,
                key);
        CaDirectory.CrlUpdate update = edge.revoke(
                edge.crlFile(), List.of(c), RevocationReason.KEY_COMPROMISE, Instant.now(), CRL_NEXT_UPDATE);
        return new Revoked(
                c.getSerialNumber(), cert, key, update.description().entries().size());
    }

    /** The edge CA's directory, for the proxy's {@code local-ca} issuer of its server certificate. */
    public Path edgeCaDir() {
        return edge.dir();
    }

    /** The origin CA's directory, for the proxy's {@code local-ca} issuer of its upstream client certificate. */
    public Path originCaDir() {
        return origin.dir();
    }

    public Path edgeCa() {
        return edge.certFile();
    }

    public Path crl() {
        return edge.crlFile();
    }

    public Path originCa() {
        return origin.certFile();
    }

    public Path proxyCert() {
        return proxyCert;
    }

    public Path proxyKey() {
        return proxyKey;
    }

    public Path loaderCert() {
        return loaderCert;
    }

    public Path loaderKey() {
        return loaderKey;
    }

    public Path originCert() {
        return originCert;
    }

    public Path originKey() {
        return originKey;
    }

    public Path upstreamCert() {
        return upstreamCert;
    }

    public Path upstreamKey() {
        return upstreamKey;
    }

    /** A client certificate that is on the CRL now (with its files, for the probe), and the CRL's size. */
    public record Revoked(BigInteger serial, Path cert, Path key, int crlEntries) {}
}
