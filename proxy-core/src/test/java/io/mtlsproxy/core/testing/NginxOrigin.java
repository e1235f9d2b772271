package io.mtlsproxy.core.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * nginx from the operating system as a TLS and an mTLS origin, with its own configuration under a test directory:
 * one process ({@code master_process off}), no privileges to drop, temp paths inside the directory. Both servers
 * answer {@code NAME dn=$ssl_client_s_dn}; the mTLS one adds the client certificate's serial and PEM (URL-escaped).
 */
public final class NginxOrigin implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int tlsPort;
    private final int mtlsPort;

    private NginxOrigin(Path dir, TestPki.Leaf cert, Path clientCa) throws IOException, InterruptedException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("tmp"));
        tlsPort = freePort();
        mtlsPort = freePort();
        String tls = "ssl_certificate " + cert.certFile() + "; ssl_certificate_key " + cert.keyFile() + ";";
        String conf = """
                daemon off;
                master_process off;
                pid %1$s/nginx.pid;
                error_log stderr warn;
                events { worker_connections 64; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/tmp/body;
                  proxy_temp_path %1$s/tmp/proxy;
                  fastcgi_temp_path %1$s/tmp/fastcgi;
                  uwsgi_temp_path %1$s/tmp/uwsgi;
                  scgi_temp_path %1$s/tmp/scgi;
                  server {
                    listen 127.0.0.1:%2$d ssl;
                    %4$s
                    location / { return 200 "nginx-tls dn=$ssl_client_s_dn\\n"; }
                  }
                  server {
                    listen 127.0.0.1:%3$d ssl;
                    %4$s
                    ssl_client_certificate %5$s;
                    ssl_verify_client on;
                    location / { return 200 "nginx-mtls dn=$ssl_client_s_dn serial=$ssl_client_serial cert=$ssl_client_escaped_cert\\n"; }
                  }
                }
                """.formatted(dir, tlsPort, mtlsPort, tls, clientCa);
        Files.writeString(dir.resolve("nginx.conf"), conf);
        process = new ProcessBuilder(
                        ExternalProcess.binary("nginx"),
                        "-p",
                        dir.toString(),
                        "-c",
                        dir.resolve("nginx.conf").toString(),
                        "-e",
                        "stderr")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nginx.out").toFile())
                .start();
        awaitListening(tlsPort);
        awaitListening(mtlsPort);
    }

    public static NginxOrigin start(Path dir, TestPki.Leaf cert, Path clientCa)
            throws IOException, InterruptedException {
        return new NginxOrigin(dir, cert, clientCa);
    }

    public int tlsPort() {
        return tlsPort;
    }

    public int mtlsPort() {
        return mtlsPort;
    }

    private void awaitListening(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("nginx exited: " + Files.readString(dir.resolve("nginx.out")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IOException("nginx did not listen on " + port + ": " + Files.readString(dir.resolve("nginx.out")));
    }

    /** A port free on this host now, for servers that cannot be told to pick one (port 0) and say which. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** nginx's own output, for failure messages. */
    public String output() throws IOException {
        return Files.readString(dir.resolve("nginx.out"));
    }
}
