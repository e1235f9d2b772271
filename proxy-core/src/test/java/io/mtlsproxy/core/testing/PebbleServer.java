package io.mtlsproxy.core.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Pebble, a real RFC 8555 server, on loopback: its HTTPS certificate comes from a test CA made here
 * ({@link #trustCa()}), its validation authority resolves every name through {@code pebble-challtestsrv} to
 * 127.0.0.1 and validates http-01 on {@code httpPort}, tls-alpn-01 on {@code tlsPort}: the proxy listeners under
 * test. Real validation (never {@code PEBBLE_VA_ALWAYS_VALID}); no sleeps before validating, no nonce rejected on
 * purpose, no authorization reused (each order is validated again).
 */
public final class PebbleServer implements AutoCloseable {
    public static final Path PEBBLE = Path.of("/usr/bin/pebble");
    public static final Path CHALLTESTSRV = Path.of("/usr/bin/pebble-challtestsrv");

    private final Path dir;
    private final Path trustCa;
    private final TestPki.Leaf cert;
    private final int port;
    private final int httpPort;
    private final int tlsPort;
    private final List<Process> processes = new ArrayList<>();
    private int managementPort;

    private PebbleServer(Path dir, Path trustCa, TestPki.Leaf cert, int port, int httpPort, int tlsPort) {
        this.dir = dir;
        this.trustCa = trustCa;
        this.cert = cert;
        this.port = port;
        this.httpPort = httpPort;
        this.tlsPort = tlsPort;
    }

    /** False when the pebble package is missing (tests then skip, saying so). */
    public static boolean installed() {
        return Files.isExecutable(PEBBLE) && Files.isExecutable(CHALLTESTSRV);
    }

    public static PebbleServer start(Path dir, int httpPort, int tlsPort) throws IOException, InterruptedException {
        TestPki pki = new TestPki(dir);
        TestPki.Ca ca = pki.ca("pebble-https");
        TestPki.Leaf cert = ca.server("pebble");
        PebbleServer pebble = new PebbleServer(dir, ca.certFile(), cert, NginxOrigin.freePort(), httpPort, tlsPort);
        pebble.restart();
        return pebble;
    }

    /**
     * (Re)starts Pebble on the same directory URL, HTTPS certificate and validation ports. Pebble keeps nothing
     * across a restart: accounts register again, and its signing CA is a new one.
     */
    public void restart() throws IOException, InterruptedException {
        close();
        try {
            launch();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void launch() throws IOException, InterruptedException {
        int dnsPort = NginxOrigin.freePort();
        managementPort = NginxOrigin.freePort();
        Path config = dir.resolve("pebble-config.json");
        Files.writeString(
                config, """
                {"pebble": {
                  "listenAddress": "127.0.0.1:%d",
                  "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s",
                  "privateKey": "%s",
                  "httpPort": %d,
                  "tlsPort": %d,
                  "ocspResponderURL": "",
                  "externalAccountBindingRequired": false
                }}
                """.formatted(port, managementPort, cert.certFile(), cert.keyFile(), httpPort, tlsPort));
        // the DNS server only: every A query answers 127.0.0.1, no AAAA (the listeners are on IPv4 loopback)
        processes.add(spawn(
                "challtestsrv",
                new ProcessBuilder(
                        CHALLTESTSRV.toString(),
                        "-defaultIPv4",
                        "127.0.0.1",
                        "-defaultIPv6",
                        "",
                        "-dns01",
                        "127.0.0.1:" + dnsPort,
                        "-http01",
                        "",
                        "-https01",
                        "",
                        "-tlsalpn01",
                        "",
                        "-management",
                        "127.0.0.1:" + NginxOrigin.freePort())));
        ProcessBuilder pebble = new ProcessBuilder(
                PEBBLE.toString(), "-config", config.toString(), "-dnsserver", "127.0.0.1:" + dnsPort);
        pebble.environment().put("PEBBLE_VA_NOSLEEP", "1");
        pebble.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
        pebble.environment().put("PEBBLE_AUTHZREUSE", "0");
        processes.add(spawn("pebble", pebble));
        awaitDirectory();
    }

    private Process spawn(String name, ProcessBuilder b) throws IOException {
        return b.redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .start();
    }

    /** Pebble is ready when its directory answers over TLS we trust. */
    private void awaitDirectory() throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder()
                .sslContext(TestTls.client(trustCa, null))
                .connectTimeout(Duration.ofSeconds(1))
                .build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IOException("pebble exited: " + output());
                }
            }
            try {
                HttpResponse<String> r =
                        client.send(HttpRequest.newBuilder(directory()).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                last = notYet;
            }
            Thread.sleep(50);
        }
        throw new IOException("pebble did not answer " + directory() + ": " + last + "\n" + output());
    }

    /**
     * The root of the CA that signs Pebble's certificates (a new one at every start): what a client of a renewed
     * listener must trust. Read from Pebble's management interface.
     */
    public List<java.security.cert.X509Certificate> rootCa() throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder()
                .sslContext(TestTls.client(trustCa, null))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + managementPort + "/roots/0"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        try {
            return io.mtlsproxy.core.certs.Pem.readCertificates(
                    r.body().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.security.cert.CertificateException e) {
            throw new IOException("pebble's /roots/0 is not a certificate: " + r.body(), e);
        }
    }

    /** The ACME directory URL. */
    public URI directory() {
        return URI.create("https://127.0.0.1:" + port + "/dir");
    }

    /** The CA of Pebble's own HTTPS certificate: what an issuer's {@code trust-ca} names. */
    public Path trustCa() {
        return trustCa;
    }

    /** Pebble's and the DNS server's output, for failure messages. */
    public String output() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String name : List.of("pebble", "challtestsrv")) {
            Path f = dir.resolve(name + ".out");
            if (Files.exists(f)) {
                b.append("--- ").append(name).append('\n').append(Files.readString(f));
            }
        }
        return b.toString();
    }

    /** Stops both processes (a stopped ACME server, as a test wants it; {@link #restart} brings it back). */
    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }
}
