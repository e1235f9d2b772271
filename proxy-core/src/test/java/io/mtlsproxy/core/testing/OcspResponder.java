package io.mtlsproxy.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A real OCSP responder for tests: {@code openssl ocsp} answering for one test CA from an index file this class
 * writes (OpenSSL's CA database format). A certificate marked {@link #good} or {@link #revoke revoked} gets that
 * status; any other serial gets {@code unknown}. OpenSSL re-reads the index when it changes, so a status can be
 * changed while it runs. Readiness is checked with a real OCSP request (a bare TCP connect would use up a request).
 */
public final class OcspResponder implements AutoCloseable {
    private static final DateTimeFormatter INDEX_TIME =
            DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Path dir;
    private final TestPki.Ca ca;
    private final Path index;
    private final int port;
    private final Map<BigInteger, String> rows = new LinkedHashMap<>();
    private Process process;
    private Instant lastWritten;

    private OcspResponder(Path dir, TestPki.Ca ca, int port) {
        this.dir = dir;
        this.ca = ca;
        this.index = dir.resolve("index.txt");
        this.port = port;
    }

    /**
     * Starts a responder for {@code ca} on a free port; its answers are valid for {@code minutes} (openssl's
     * {@code -nmin}: their nextUpdate).
     */
    public static OcspResponder start(Path dir, TestPki.Ca ca, int minutes) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        OcspResponder r = new OcspResponder(dir, ca, NginxOrigin.freePort());
        r.writeIndex();
        r.launch(minutes);
        return r;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    public int port() {
        return port;
    }

    public synchronized void good(TestPki.Leaf leaf) {
        rows.put(leaf.serial(), row("V", leaf, ""));
        writeIndex();
    }

    public synchronized void revoke(TestPki.Leaf leaf) {
        rows.put(leaf.serial(), row("R", leaf, INDEX_TIME.format(Instant.now().minusSeconds(60))));
        writeIndex();
    }

    private static String row(String status, TestPki.Leaf leaf, String revokedAt) {
        String serial = leaf.serial().toString(16).toUpperCase(Locale.ROOT);
        if (serial.length() % 2 == 1) {
            serial = "0" + serial; // OpenSSL looks serials up as BN_bn2hex prints them: whole bytes
        }
        String expires =
                INDEX_TIME.format(leaf.issued().certificate().getNotAfter().toInstant());
        String subject = "/"
                + leaf.issued()
                        .certificate()
                        .getSubjectX500Principal()
                        .getName()
                        .replace(",", "/");
        return String.join("\t", status, expires, revokedAt, serial, "unknown", subject);
    }

    /** Written whole and moved into place, so the responder never reads half of it. */
    private void writeIndex() {
        try {
            Path tmp = dir.resolve("index.txt.tmp");
            StringBuilder b = new StringBuilder();
            rows.values().forEach(r -> b.append(r).append('\n'));
            Files.writeString(tmp, b.toString(), StandardCharsets.US_ASCII);
            // OpenSSL re-reads the index when its mtime (in seconds) changes: never write two in the same second
            Instant at = Instant.now();
            if (lastWritten != null && !at.isAfter(lastWritten.plusSeconds(1))) {
                at = lastWritten.plusSeconds(1);
            }
            lastWritten = at;
            Files.setLastModifiedTime(tmp, java.nio.file.attribute.FileTime.from(at));
            Files.move(tmp, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // it looks at the index before it waits for the next request: one request lets it see the change
            if (process != null && process.isAlive() && !answers()) {
                throw new IllegalStateException("openssl ocsp stopped answering");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void launch(int minutes) throws IOException, InterruptedException {
        Path key = ca.keyFile();
        process = new ProcessBuilder(
                        ExternalProcess.binary("openssl"),
                        "ocsp",
                        "-index",
                        index.toString(),
                        "-port",
                        Integer.toString(port),
                        "-rsigner",
                        ca.certFile().toString(),
                        "-rkey",
                        key.toString(),
                        "-CA",
                        ca.certFile().toString(),
                        "-nmin",
                        Integer.toString(minutes))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl-ocsp.log").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException(
                        "openssl ocsp did not answer: " + Files.readString(dir.resolve("openssl-ocsp.log")));
            }
            Thread.sleep(50);
        }
    }

    /** One real OCSP request (about serial 1, which it answers unknown): true when a response came back. */
    private boolean answers() throws IOException, InterruptedException {
        ExternalProcess.Result r = ExternalProcess.run(
                List.of(
                        ExternalProcess.binary("openssl"),
                        "ocsp",
                        "-issuer",
                        ca.certFile().toString(),
                        "-serial",
                        "1",
                        "-url",
                        url().toString(),
                        "-noverify",
                        "-timeout",
                        "2"),
                null,
                10);
        return r.exitCode() == 0 && r.stdout().contains("1:");
    }

    /** Stops answering (the process ends); {@link #close} is the same. */
    public void stop() {
        close();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
