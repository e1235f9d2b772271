package io.mtlsproxy.core.renew;

import io.mtlsproxy.config.ExecIssuerConfig;
import io.mtlsproxy.core.certs.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs an operator's signing command (step-ca, Vault, an in-house CA) with the CSR in a private temporary
 * directory: {@code MTLS_PROXY_CSR} (the PEM CSR), {@code MTLS_PROXY_CHAIN_OUT} (where to write the PEM chain,
 * leaf first), {@code MTLS_PROXY_OWNER} and {@code MTLS_PROXY_USAGE}. Exit 0 means it wrote the chain; a
 * non-zero exit, a timeout (the command is killed) or anything but PEM certificates is a failed attempt whose
 * message carries the end of the command's stderr.
 */
final class ExecIssuer implements Issuer {
    private static final int STDERR_TAIL = 400;

    private final ExecIssuerConfig config;

    ExecIssuer(ExecIssuerConfig config) {
        this.config = config;
    }

    @Override
    public List<X509Certificate> issue(CertificateRequest request) throws IssueException {
        String name = "exec " + config.command().get(0);
        Path work = null;
        Process process = null;
        try {
            work = Files.createTempDirectory("mtls-proxy-renew-"); // 0700: the CSR is not secret, the chain not yet
            Path csr = work.resolve("request.csr");
            Path chainOut = work.resolve("chain.pem");
            Path stderr = work.resolve("stderr.txt");
            Files.writeString(csr, request.pem(), StandardCharsets.US_ASCII);
            ProcessBuilder pb = new ProcessBuilder(config.command())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(stderr.toFile());
            Map<String, String> env = pb.environment();
            env.put("MTLS_PROXY_CSR", csr.toString());
            env.put("MTLS_PROXY_CHAIN_OUT", chainOut.toString());
            env.put("MTLS_PROXY_OWNER", request.owner());
            env.put("MTLS_PROXY_USAGE", request.usage());
            process = pb.start();
            if (!process.waitFor(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IssueException(
                        name + ": no answer within " + config.timeout().toSeconds() + " s (killed)" + tail(stderr));
            }
            int exit = process.exitValue();
            if (exit != 0) {
                throw new IssueException(name + ": exited " + exit + tail(stderr));
            }
            if (!Files.isRegularFile(chainOut)) {
                throw new IssueException(name + ": exited 0 but wrote nothing to MTLS_PROXY_CHAIN_OUT" + tail(stderr));
            }
            List<X509Certificate> chain;
            try {
                chain = Pem.readCertificates(Files.readAllBytes(chainOut));
            } catch (CertificateException | RuntimeException e) {
                throw new IssueException(name + ": MTLS_PROXY_CHAIN_OUT holds no readable PEM certificate ("
                        + e.getMessage() + ")" + tail(stderr));
            }
            if (chain.isEmpty()) {
                throw new IssueException(name + ": MTLS_PROXY_CHAIN_OUT holds no PEM certificate" + tail(stderr));
            }
            return chain;
        } catch (IOException e) {
            throw new IssueException(name + ": cannot run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly); // the proxy is stopping
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IssueException(name + ": interrupted", e);
        } finally {
            delete(work);
        }
    }

    /** The last lines of the command's stderr, for {@code last_error}. */
    private static String tail(Path stderr) {
        try {
            String text = Files.exists(stderr)
                    ? Files.readString(stderr, StandardCharsets.UTF_8).strip()
                    : "";
            if (text.isEmpty()) {
                return "";
            }
            String end = text.length() > STDERR_TAIL ? "..." + text.substring(text.length() - STDERR_TAIL) : text;
            return "; stderr: " + end.replace('\n', ' ');
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind holds only a CSR and a public chain
        }
    }
}
