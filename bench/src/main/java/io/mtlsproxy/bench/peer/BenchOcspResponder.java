package io.mtlsproxy.bench.peer;

import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.process.Binaries;
import io.mtlsproxy.bench.process.ManagedProcess;
import io.mtlsproxy.bench.process.Ports;
import io.mtlsproxy.core.certs.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The OCSP responder of the {@code mtls-proxy-ocsp} peer: {@code openssl ocsp} signing as the bench's edge CA,
 * answering {@code good} for the load generator's client certificate (from an index file in OpenSSL's CA database
 * format) with answers valid for an hour, so that the proxy asks once and every later handshake is a cache hit.
 */
final class BenchOcspResponder implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(20);

    private final ManagedProcess process;
    private final int port;

    private BenchOcspResponder(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    static BenchOcspResponder start(BenchPki pki, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path openssl = Binaries.find("openssl").orElseThrow(() -> new IOException("openssl not found on PATH"));
        Path index = dir.resolve("index.txt");
        Files.writeString(index, indexRow(pki.loaderCert()) + "\n");
        int port = Ports.free();
        ManagedProcess process = ManagedProcess.start(
                "ocsp-responder",
                List.of(
                        openssl.toString(),
                        "ocsp",
                        "-index",
                        index.toString(),
                        "-port",
                        Integer.toString(port),
                        "-rsigner",
                        pki.edgeCa().toString(),
                        "-rkey",
                        pki.edgeCaKey().toString(),
                        "-CA",
                        pki.edgeCa().toString(),
                        "-nmin",
                        "60"),
                Optional.empty(),
                dir,
                dir.resolve("openssl-ocsp.log"));
        BenchOcspResponder responder = new BenchOcspResponder(process, port);
        long deadline = System.nanoTime() + STARTUP.toNanos();
        // readiness by a real OCSP request: a bare TCP connect would use up one of its requests
        while (!responder.answersGood(openssl, pki)) {
            if (!process.alive() || System.nanoTime() > deadline) {
                process.close();
                throw new IOException("openssl ocsp did not answer: " + process.logTail(5));
            }
            Thread.sleep(100);
        }
        return responder;
    }

    /** The loader's certificate as a valid ("V") row; the serial as OpenSSL looks it up (whole bytes, upper case). */
    private static String indexRow(Path certFile) throws IOException {
        X509Certificate cert;
        try {
            cert = Pem.readCertificates(Files.readAllBytes(certFile)).get(0);
        } catch (CertificateException e) {
            throw new IOException(e);
        }
        String serial = cert.getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        String expires = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT)
                .withZone(ZoneOffset.UTC)
                .format(cert.getNotAfter().toInstant());
        return String.join(
                "\t",
                "V",
                expires,
                "",
                serial.length() % 2 == 1 ? "0" + serial : serial,
                "unknown",
                "/CN=bench-loader");
    }

    private boolean answersGood(Path openssl, BenchPki pki) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        openssl.toString(),
                        "ocsp",
                        "-issuer",
                        pki.edgeCa().toString(),
                        "-cert",
                        pki.loaderCert().toString(),
                        "-url",
                        url(),
                        "-noverify",
                        "-timeout",
                        "2")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && out.contains(": good");
    }

    String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    ManagedProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
