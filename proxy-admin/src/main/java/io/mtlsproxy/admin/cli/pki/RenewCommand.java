package io.mtlsproxy.admin.cli.pki;

import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiException;
import io.mtlsproxy.core.certs.PkiFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pki renew}: the same identity with a fresh key, serial and validity, written over the old files so that
 * the proxy's reload picks it up. Order matters: the new key first, the certificate last, each by atomic rename.
 * A proxy that reloads in between sees the old certificate with the new key, which fails its key-match check and
 * keeps the old pair in service; it never serves a new certificate with the old key.
 */
@Command(
        name = "renew",
        mixinStandardHelpOptions = true,
        description = {
            "Re-issues a certificate of the CA in --ca with the same subject, SANs, EKU and key type "
                    + "and a fresh key, over the old files: the key first, then FILE, then NAME-bundle.pem if present, "
                    + "each by atomic rename.",
            "The key is FILE with .crt replaced by .key unless --key says otherwise; it must match FILE "
                    + "(so that an unrelated key is never overwritten)."
        })
public final class RenewCommand extends PkiSubcommand {
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "The CA directory (pki init-ca).")
    Path caDir;

    @Option(
            names = "--cert",
            required = true,
            paramLabel = "FILE",
            description = "The certificate to renew (NAME.crt, or a bundle whose first certificate is the leaf).")
    Path certFile;

    @Option(names = "--key", paramLabel = "FILE", description = "Its key (default: FILE with .crt -> .key).")
    Path keyFile;

    @Option(
            names = "--days",
            paramLabel = "N",
            description = "Validity in days (default: the lifetime of the certificate being renewed).")
    Integer days;

    @Override
    protected int execute() throws IOException, PkiException {
        CaDirectory ca = CaDirectory.open(caDir);
        List<X509Certificate> current = PkiFiles.certificates(certFile);
        X509Certificate old = current.get(0);
        ca.requireIssued(old, certFile);
        Path key = keyFile != null ? keyFile : sibling(".key");
        if (key == null) {
            throw new IllegalArgumentException("--cert: " + certFile
                    + " does not end with .crt or -bundle.pem (expected: --key FILE naming its key)");
        }
        PrivateKey oldKey = PkiFiles.privateKey(key);
        if (!KeyAlgorithm.isPair(old.getPublicKey(), oldKey)) {
            throw new PkiException(key + " does not match " + certFile
                    + " (expected: the certificate's own key; refusing to overwrite another key)");
        }

        Instant notBefore = Instant.now().minus(BACKDATE);
        Instant notAfter = days != null
                ? Instant.now().plus(Inputs.days(days, "--days"))
                : notBefore.plus(Duration.between(
                        old.getNotBefore().toInstant(), old.getNotAfter().toInstant()));
        Inputs.requireWithin(ca.authority().certificate(), notAfter, days != null ? "--days" : "the renewed lifetime");
        KeyPair fresh = KeyAlgorithm.of(old.getPublicKey()).generate();
        X509Certificate renewed = ca.authority().reissue(old, fresh.getPublic(), notBefore, notAfter);

        List<Path> written = new ArrayList<>();
        Pem.writeKey(key, fresh.getPrivate());
        written.add(key);
        // A file that held a bundle keeps holding one; a file that held the leaf alone keeps holding only it.
        Pem.writePublic(certFile, current.size() > 1 ? ca.bundle(renewed) : List.of(renewed));
        written.add(certFile);
        for (Path companion : companions()) {
            boolean bundle = companion.getFileName().toString().endsWith("-bundle.pem");
            Pem.writePublic(companion, bundle ? ca.bundle(renewed) : List.of(renewed));
            written.add(companion);
        }
        ca.record(renewed);

        String oldSerial = CertificateDescription.serialHex(old.getSerialNumber());
        out().println("renewed " + summary(renewed) + " (was serial " + oldSerial + ")");
        out().println("wrote "
                + String.join(", ", written.stream().map(Path::toString).toList()));
        out().println("the old certificate stays valid until "
                + old.getNotAfter().toInstant()
                + "; if its key leaked: pki revoke --ca " + caDir + " --cert "
                + caDir.resolve(CaDirectory.ISSUED_DIR).resolve(oldSerial + ".pem"));
        return 0;
    }

    /** The other files {@code pki issue} wrote with this one (NAME.crt and NAME-bundle.pem), when present. */
    private List<Path> companions() {
        List<Path> out = new ArrayList<>();
        for (String suffix : List.of(".crt", "-bundle.pem")) {
            Path p = sibling(suffix);
            if (p != null && !p.equals(certFile) && Files.exists(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** NAME + suffix next to the certificate, for a certificate named NAME.crt or NAME-bundle.pem; else null. */
    private Path sibling(String suffix) {
        String file = certFile.getFileName().toString();
        String stem = file.endsWith("-bundle.pem")
                ? file.substring(0, file.length() - "-bundle.pem".length())
                : file.endsWith(".crt") ? file.substring(0, file.length() - ".crt".length()) : null;
        return stem == null || stem.isEmpty() ? null : certFile.resolveSibling(stem + suffix);
    }
}
