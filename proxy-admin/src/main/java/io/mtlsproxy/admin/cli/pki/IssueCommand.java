package io.mtlsproxy.admin.cli.pki;

import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiException;
import io.mtlsproxy.core.certs.SubjectAltName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pki issue}: a server or client certificate signed by a CA directory. */
@Command(
        name = "issue",
        mixinStandardHelpOptions = true,
        description = {
            "Issues a server or client certificate signed by the CA in --ca: OUT/NAME.crt (the leaf, "
                    + "0644), OUT/NAME.key (0600) and OUT/NAME-bundle.pem (the leaf and the intermediates a peer "
                    + "presents, never the root).",
            "Server certificates get the serverAuth EKU and the --dns/--ip SANs (the CN when none is given); "
                    + "client certificates get the clientAuth EKU and any --uri spiffe:// SAN."
        })
public final class IssueCommand extends PkiSubcommand {
    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "The CA directory (pki init-ca).")
    Path caDir;

    @Option(
            names = "--type",
            required = true,
            paramLabel = "server|client",
            description = "What the certificate is for.")
    String type;

    @Option(names = "--cn", required = true, paramLabel = "NAME", description = "The common name.")
    String commonName;

    @Option(names = "--org", paramLabel = "ORG", description = "An organization (O=) in the subject.")
    String organization;

    @Option(names = "--dns", paramLabel = "NAME", description = "A DNS SAN (repeatable; '*.example.com' allowed).")
    List<String> dnsNames = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "ADDRESS", description = "An IP SAN (repeatable; IPv4 or IPv6 literal).")
    List<String> ipAddresses = new ArrayList<>();

    @Option(
            names = "--uri",
            paramLabel = "spiffe://DOMAIN/PATH",
            description = "A SPIFFE ID as URI SAN (repeatable; an X.509-SVID carries exactly one).")
    List<String> uris = new ArrayList<>();

    @Option(
            names = "--days",
            paramLabel = "N",
            defaultValue = "365",
            description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(
            names = "--key",
            paramLabel = "ec-p256|rsa-2048|rsa-4096",
            defaultValue = "ec-p256",
            description = "The key type (default: ${DEFAULT-VALUE}).")
    String key;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the files.")
    Path out;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "File name stem (default: the CN, '*.' as 'wildcard.', other unsafe characters as '_').")
    String name;

    @Option(names = "--force", description = "Overwrite existing NAME.crt/NAME.key (to rotate, use pki renew).")
    boolean force;

    @Override
    protected int execute() throws IOException, PkiException {
        boolean server = Inputs.isServer(type);
        KeyAlgorithm algorithm = KeyAlgorithm.fromCliName(key);
        Duration validity = Inputs.days(days, "--days");
        CertificateSpec.Builder spec = server ? CertificateSpec.server(commonName) : CertificateSpec.client(commonName);
        spec.organization(organization).validFor(validity).keyAlgorithm(algorithm);
        dnsNames.forEach(d -> spec.dns(SubjectAltName.dnsName(d)));
        ipAddresses.forEach(ip -> spec.ip(SubjectAltName.ipLiteral(ip)));
        uris.forEach(u -> spec.uri(SubjectAltName.spiffeId(u)));
        if (server && dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            addCommonNameAsSan(spec);
        }
        CertificateSpec built = spec.build();

        String stem = name != null ? Inputs.checkedStem(name) : Inputs.fileStem(commonName);
        Path certFile = out.resolve(stem + ".crt");
        Path keyFile = out.resolve(stem + ".key");
        Path bundleFile = out.resolve(stem + "-bundle.pem");
        if (!force) {
            for (Path existing : List.of(certFile, keyFile)) {
                if (Files.exists(existing)) {
                    throw new PkiException(existing + ": already exists (expected: a new --name; to rotate it, "
                            + "pki renew; to replace it, --force)");
                }
            }
        }
        CaDirectory ca = CaDirectory.open(caDir);
        Inputs.requireWithin(ca.authority().certificate(), built.notAfter(), "--days");

        IssuedCertificate issued = ca.authority().issue(built);
        // Key first, certificate last: a proxy watching NAME.crt never finds it without its key.
        Pem.writeKey(keyFile, issued.privateKey());
        Pem.writePublic(certFile, issued.certificate());
        Pem.writePublic(bundleFile, ca.bundle(issued.certificate()));
        ca.record(issued.certificate());

        out().println((server ? "server" : "client") + " certificate " + summary(issued.certificate()));
        out().println("wrote " + certFile + ", " + keyFile + " (0600), " + bundleFile);
        return 0;
    }

    /** Modern clients ignore the CN and match SANs only, so a server certificate without SANs matches nothing. */
    private void addCommonNameAsSan(CertificateSpec.Builder spec) {
        if (SubjectAltName.isIpLiteral(commonName)) {
            spec.ip(SubjectAltName.ipLiteral(commonName));
        } else if (SubjectAltName.isDnsName(commonName)) {
            spec.dns(commonName);
        } else {
            throw new IllegalArgumentException("--cn: " + commonName + " is not a host name, and a server "
                    + "certificate is matched by its SANs (expected: --dns NAME or --ip ADDRESS)");
        }
    }
}
