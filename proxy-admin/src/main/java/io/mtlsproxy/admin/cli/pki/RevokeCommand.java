package io.mtlsproxy.admin.cli.pki;

import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CrlDescription;
import io.mtlsproxy.core.ca.RevocationReason;
import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.PkiException;
import io.mtlsproxy.core.certs.PkiFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pki revoke}: adds certificates to the CA's CRL and re-signs it. */
@Command(
        name = "revoke",
        mixinStandardHelpOptions = true,
        description = {
            "Adds a certificate of the CA in --ca to its CRL (default DIR/crl.pem), creating the CRL "
                    + "or re-signing it with every earlier entry kept, a fresh thisUpdate, a new nextUpdate and the "
                    + "next CRL number.",
            "Without --cert, only re-signs: run that well before nextUpdate (a stale CRL makes verifiers that "
                    + "require a current one reject every client)."
        })
public final class RevokeCommand extends PkiSubcommand {
    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "The CA directory (pki init-ca).")
    Path caDir;

    @Option(
            names = "--cert",
            paramLabel = "FILE",
            description = "The certificate to revoke (repeatable; the first certificate of each file).")
    List<Path> certFiles = new ArrayList<>();

    @Option(names = "--crl", paramLabel = "FILE", description = "The CRL to update (default: DIR/crl.pem).")
    Path crlFile;

    @Option(
            names = "--next-update-days",
            paramLabel = "N",
            defaultValue = "7",
            description = "Days until the CRL's nextUpdate (default: ${DEFAULT-VALUE}).")
    int nextUpdateDays;

    @Option(
            names = "--reason",
            paramLabel = "REASON",
            defaultValue = "unspecified",
            description = "RFC 5280 reason: unspecified, key-compromise, ca-compromise, affiliation-changed, "
                    + "superseded, cessation-of-operation, certificate-hold, privilege-withdrawn, aa-compromise "
                    + "(default: ${DEFAULT-VALUE}, written as no reason code).")
    String reason;

    @Override
    protected int execute() throws IOException, PkiException {
        RevocationReason why = RevocationReason.fromCliName(reason);
        var nextUpdateIn = Inputs.days(nextUpdateDays, "--next-update-days");
        CaDirectory ca = CaDirectory.open(caDir);
        List<X509Certificate> certificates = new ArrayList<>();
        for (Path file : certFiles) {
            X509Certificate certificate = PkiFiles.firstCertificate(file);
            ca.requireIssued(certificate, file); // before anything is written
            certificates.add(certificate);
        }
        Path target = crlFile != null ? crlFile : ca.crlFile();
        CaDirectory.CrlUpdate update = ca.revoke(target, certificates, why, Instant.now(), nextUpdateIn);

        for (X509Certificate c : certificates) {
            BigInteger serial = c.getSerialNumber();
            String verb = update.added().contains(serial) ? "revoked " : "already revoked ";
            out().println(verb + CertificateDescription.serialHex(serial) + " ("
                    + c.getSubjectX500Principal().getName() + ")");
        }
        CrlDescription crl = update.description();
        out().println("wrote " + target + ": CRL number "
                + crl.number().map(BigInteger::toString).orElse("-") + ", "
                + crl.entries().size() + " revoked, next update "
                + crl.nextUpdate().orElseThrow());
        return 0;
    }
}
