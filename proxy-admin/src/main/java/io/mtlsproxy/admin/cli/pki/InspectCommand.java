package io.mtlsproxy.admin.cli.pki;

import io.mtlsproxy.config.ExpiryConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pki inspect}: what each certificate and CRL in the files says, and its expiry state. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Prints subject, issuer, serial, SANs, key, validity, SHA-256 fingerprint and expiry state "
                    + "(valid, expiring, critical, expired, not_yet_valid) of every certificate in each FILE, and "
                    + "issuer, number, this/next update, state (valid or stale) and revoked serials of every CRL.",
            "FILE may be PEM (bundles, CRLs), DER or PKCS#12. Exit 0 when every file was read, 2 otherwise."
        })
public final class InspectCommand extends PkiSubcommand {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Certificate, bundle, CRL or PKCS#12 files.")
    List<Path> files = new ArrayList<>();

    @Option(
            names = "--password",
            paramLabel = "PASSWORD",
            defaultValue = "${env:MTLS_PROXY_P12_PASSWORD}",
            showDefaultValue = Visibility.NEVER,
            description = "PKCS#12 password (default: $MTLS_PROXY_P12_PASSWORD, else the empty password). "
                    + "Prefer the variable: a command line is visible to every local user.")
    String password;

    @Option(
            names = "--warn-days",
            paramLabel = "N",
            defaultValue = "30",
            description = "Days before expiry a certificate is 'expiring' (default: ${DEFAULT-VALUE}).")
    int warnDays;

    @Option(
            names = "--critical-days",
            paramLabel = "N",
            defaultValue = "7",
            description = "Days before expiry a certificate is 'critical' (default: ${DEFAULT-VALUE}).")
    int criticalDays;

    @Option(names = "--json", description = "JSON instead of text, with the field names of GET /certs.")
    boolean json;

    @Override
    protected int execute() {
        Duration warn = Inputs.thresholdDays(warnDays, "--warn-days");
        Duration critical = Inputs.thresholdDays(criticalDays, "--critical-days");
        if (critical.compareTo(warn) > 0) {
            throw new IllegalArgumentException(
                    "--critical-days: " + criticalDays + " (expected: at most --warn-days " + warnDays + ")");
        }
        char[] secret = password == null || password.isEmpty() ? null : password.toCharArray();
        List<InspectedFile> inspected = new ArrayList<>();
        boolean failed = false;
        for (Path file : files) {
            InspectedFile f = InspectedFile.read(file, secret);
            if (f.error() != null) {
                err().println("mtls-proxy: " + f.error());
                failed = true;
            }
            inspected.add(f);
        }
        err().flush();
        InspectReport report = new InspectReport(Instant.now(), new ExpiryConfig(warn, critical));
        if (json) {
            out().println(report.json(inspected));
            out().flush();
        } else {
            report.text(inspected, out());
        }
        return failed ? 2 : 0;
    }
}
