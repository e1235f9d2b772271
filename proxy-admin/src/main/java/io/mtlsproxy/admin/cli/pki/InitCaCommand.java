package io.mtlsproxy.admin.cli.pki;

import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.PkiException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pki init-ca}: a new CA directory, self-signed or, with {@code --parent}, an intermediate. */
@Command(
        name = "init-ca",
        mixinStandardHelpOptions = true,
        description = {
            "Makes a CA: DIR/ca.crt (0644) and DIR/ca.key (0600).",
            "Self-signed by default; with --parent, an intermediate signed by the CA in that directory "
                    + "(then DIR/chain.pem holds its issuers, and the bundles of its leaves carry it)."
        })
public final class InitCaCommand extends PkiSubcommand {
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The CA directory to create.")
    Path out;

    @Option(names = "--cn", required = true, paramLabel = "NAME", description = "The CA's common name.")
    String commonName;

    @Option(names = "--org", paramLabel = "ORG", description = "An organization (O=) in the CA's subject.")
    String organization;

    @Option(
            names = "--days",
            paramLabel = "N",
            defaultValue = "3650",
            description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(
            names = "--key",
            paramLabel = "ec-p256|rsa-2048|rsa-4096",
            defaultValue = "ec-p256",
            description = "The CA's key type (default: ${DEFAULT-VALUE}).")
    String key;

    @Option(
            names = "--parent",
            paramLabel = "DIR",
            description = "Make an intermediate CA signed by the CA in this directory.")
    Path parent;

    @Option(names = "--force", description = "Replace an existing CA in DIR (its crl.pem goes with it).")
    boolean force;

    @Override
    protected int execute() throws IOException, PkiException {
        KeyAlgorithm algorithm = KeyAlgorithm.fromCliName(key);
        Duration validity = Inputs.days(days, "--days");
        if (!force) {
            CaDirectory.requireVacant(out); // before a slow key generation, not after
        }
        CertificateAuthority ca = parent == null
                ? CertificateAuthority.createRoot(
                        commonName,
                        organization,
                        Instant.now().minus(BACKDATE),
                        Instant.now().plus(validity),
                        algorithm)
                : intermediate(algorithm, validity);
        CaDirectory dir = CaDirectory.create(out, ca, force);
        out().println("CA " + summary(ca.certificate()));
        out().println("wrote " + dir.certFile() + " (0644) and " + dir.keyFile() + " (0600)"
                + (ca.issuers().isEmpty() ? "" : " and " + out.resolve(CaDirectory.CHAIN_FILE)));
        return 0;
    }

    private CertificateAuthority intermediate(KeyAlgorithm algorithm, Duration validity)
            throws IOException, PkiException {
        if (parent.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("--parent: " + parent + " (expected: another directory than --out)");
        }
        CaDirectory issuer = CaDirectory.open(parent);
        var issuerCert = issuer.authority().certificate();
        boolean issuerIsRoot = issuerCert.getSubjectX500Principal().equals(issuerCert.getIssuerX500Principal());
        if (!issuerIsRoot && issuerCert.getBasicConstraints() < 1) {
            throw new PkiException(parent + ": its CA certificate allows no further CA below it "
                    + "(basicConstraints pathLen 0; expected: --parent naming a root CA)");
        }
        Inputs.requireWithin(issuerCert, Instant.now().plus(validity), "--days");
        CertificateAuthority ca = issuer.authority()
                .intermediate(CertificateSpec.intermediateCa(commonName)
                        .organization(organization)
                        .validFor(validity)
                        .keyAlgorithm(algorithm)
                        .build());
        issuer.record(ca.certificate());
        return ca;
    }
}
