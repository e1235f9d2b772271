package io.mtlsproxy.admin.cli.pki;

import io.mtlsproxy.admin.cli.UsageException;
import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.PkiException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The frame of every {@code pki} subcommand: what goes wrong because of what the operator asked (a missing file,
 * a bad value, a certificate of another CA) becomes one line on stderr and exit 2, never a stack trace.
 */
abstract class PkiSubcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (PkiException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (IOException e) {
            throw new UsageException(describe(e));
        } catch (GeneralSecurityException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Does the work and returns the exit code. */
    protected abstract int execute() throws IOException, PkiException, GeneralSecurityException;

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** {@code CN=api.example.com (EC P-256), serial 5c1f..., valid until 2026-01-01T00:00:00Z}. */
    static String summary(X509Certificate certificate) {
        CertificateDescription d = CertificateDescription.of(certificate);
        return d.subject() + " (" + d.keyType() + "), serial " + d.serial() + ", valid until " + d.notAfter();
    }

    /** {@code FILE: no such file} rather than the exception's class name. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException f) {
            return f.getFile() + ": no such file";
        }
        if (e instanceof AccessDeniedException f) {
            return f.getFile() + ": permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getFile() + ": " + f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
