package io.mtlsproxy.admin.cli;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files conf/make-example-pki.sh makes with the pki commands, made in-process (the test must not depend on
 * the launcher or a built jar): the CA certificates, the CRL and every leaf the example configuration names.
 */
final class ExamplePki {
    private final Path pki;

    private ExamplePki(Path pki) {
        this.pki = pki;
    }

    static void write(Path pki) throws IOException {
        new ExamplePki(pki).writeAll();
    }

    /** The shipped conf/mtls-proxy.conf and conf/routes.d/ copied to {@code dir}/conf; returns that directory. */
    static Path copyShippedConf(Path dir) throws IOException {
        Path shipped = Path.of("..", "conf");
        Path conf = dir.resolve("conf");
        Files.createDirectories(conf.resolve("routes.d"));
        Files.copy(shipped.resolve("mtls-proxy.conf"), conf.resolve("mtls-proxy.conf"));
        try (Stream<Path> files = Files.list(shipped.resolve("routes.d"))) {
            for (Path f : files.toList()) {
                Files.copy(f, conf.resolve("routes.d").resolve(f.getFileName()));
            }
        }
        return conf;
    }

    private void writeAll() throws IOException {
        CertificateAuthority edge = ca("edge-ca", "Example Edge CA");
        CertificateAuthority clients = ca("clients-ca", "Example Clients CA");
        CertificateAuthority origin = ca("origin-ca", "Example Origin CA");
        CertificateAuthority payments = ca("payments-ca", "Example Payments CA");

        for (String host : new String[] {"api.example.com", "ledger.example.com", "www.example.com"}) {
            leaf(edge, "server", CertificateSpec.server(host).dns(host).build());
        }
        IssuedCertificate old =
                leaf(clients, "clients", CertificateSpec.client("old-partner").build());
        Pem.writePublic(
                pki.resolve("clients-ca/crl.pem"),
                clients.crl(
                        Map.of(
                                old.certificate().getSerialNumber(),
                                Instant.now().minusSeconds(5)),
                        Instant.now().minusSeconds(60),
                        Instant.now().plus(Duration.ofDays(7))));
        leaf(
                origin,
                "proxy",
                CertificateSpec.client("proxy-to-orders")
                        .uri("spiffe://example.org/ns/edge/sa/mtls-proxy")
                        .build());
        leaf(
                payments,
                "proxy",
                CertificateSpec.client("proxy-to-payments")
                        .uri("spiffe://example.org/ns/edge/sa/mtls-proxy")
                        .build());
    }

    private CertificateAuthority ca(String dir, String cn) throws IOException {
        CertificateAuthority ca = CertificateAuthority.createRoot(cn, Duration.ofDays(3650), KeyAlgorithm.EC_P256);
        Files.createDirectories(pki.resolve(dir));
        Pem.writePublic(pki.resolve(dir).resolve("ca.crt"), ca.certificate());
        Pem.writeKey(pki.resolve(dir).resolve("ca.key"), ca.privateKey());
        return ca;
    }

    /** {@code DIR/CN.crt}, {@code DIR/CN.key} and {@code DIR/CN-bundle.pem}, as {@code pki issue} writes them. */
    private IssuedCertificate leaf(CertificateAuthority ca, String dir, CertificateSpec spec) throws IOException {
        IssuedCertificate issued = ca.issue(spec);
        Path out = Files.createDirectories(pki.resolve(dir));
        String stem = spec.commonName();
        Pem.writeKey(out.resolve(stem + ".key"), issued.privateKey());
        Pem.writePublic(out.resolve(stem + ".crt"), issued.certificate());
        Pem.writePublic(out.resolve(stem + "-bundle.pem"), issued.chain().toArray());
        return issued;
    }
}
