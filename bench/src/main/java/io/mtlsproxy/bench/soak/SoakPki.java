package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

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
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The soak's throwaway PKI, kept as CA directories (unlike the bench's, whose CA keys are thrown away) because
 * the soak keeps signing while the proxy runs: renewed server and upstream client certificates, and a CRL
 * re-signed with one more revoked client each time. Renewals follow {@code pki renew}: a fresh key written first,
 * the certificate last, each by atomic rename, so that the proxy's file watcher never pairs a new certificate
 * with an old key. Everything lives under the run directory and is deleted with it.
 */
public final class SoakPki {
    private static final Duration VALIDITY = Duration.ofDays(90);
    private static final Duration BACKDATE = Duration.ofMinutes(5);
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
    private X509Certificate currentProxy;
    private X509Certificate currentUpstream;
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
    public static SoakPki create(Path dir) throws IOException, PkiException {
        CaDirectory edge = CaDirectory.create(
                dir.resolve("edge-ca"),
                CertificateAuthority.createRoot("soak edge CA", VALIDITY, KeyAlgorithm.EC_P256),
                false);
        CaDirectory origin = CaDirectory.create(
                dir.resolve("origin-ca"),
                CertificateAuthority.createRoot("soak origin CA", VALIDITY, KeyAlgorithm.EC_P256),
                false);
        SoakPki pki = new SoakPki(dir, edge, origin);
        pki.currentProxy = write(
                edge.authority()
                        .issue(CertificateSpec.server(BenchPki.PROXY_NAME)
                                .dns(BenchPki.PROXY_NAME, "localhost")
                                .ip("127.0.0.1")
                                .validFor(VALIDITY)
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
        pki.currentUpstream = write(
                origin.authority()
                        .issue(CertificateSpec.client("soak-proxy")
                                .organization("mtls-soak")
                                .validFor(VALIDITY)
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

    /** {@code pki renew} of the listener's server certificate. */
    public synchronized Renewal renewServer() throws IOException {
        Renewal r = renew(edge, currentProxy, proxyCert, proxyKey);
        currentProxy = r.certificate();
        return r;
    }

    /** {@code pki renew} of the client identity the proxy presents to the mTLS origin. */
    public synchronized Renewal renewUpstreamClient() throws IOException {
        Renewal r = renew(origin, currentUpstream, upstreamCert, upstreamKey);
        currentUpstream = r.certificate();
        return r;
    }

    /** The same identity, a fresh key and serial: key first, certificate last, each by atomic rename. */
    private static Renewal renew(CaDirectory ca, X509Certificate old, Path cert, Path key) throws IOException {
        Instant notBefore = Instant.now().minus(BACKDATE);
        KeyPair fresh = KeyAlgorithm.of(old.getPublicKey()).generate();
        X509Certificate renewed = ca.authority().reissue(old, fresh.getPublic(), notBefore, notBefore.plus(VALIDITY));
        Pem.writeKey(key, fresh.getPrivate());
        Pem.writePublic(cert, ca.bundle(renewed));
        return new Renewal(old.getSerialNumber(), renewed.getSerialNumber(), renewed);
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

    /** A renewal: the serial that went out and the certificate that came in. */
    public record Renewal(BigInteger oldSerial, BigInteger newSerial, X509Certificate certificate) {
        public Renewal {
            requireNonNull(oldSerial, "oldSerial");
            requireNonNull(newSerial, "newSerial");
            requireNonNull(certificate, "certificate");
        }
    }

    /** A client certificate that is on the CRL now (with its files, for the probe), and the CRL's size. */
    public record Revoked(BigInteger serial, Path cert, Path key, int crlEntries) {}
}
