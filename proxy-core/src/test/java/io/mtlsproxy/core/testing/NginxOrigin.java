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

    /** Runs nginx with these {@code server} blocks, listening on {@code ports} (awaited). */
    private NginxOrigin(Path dir, String servers, int tlsPort, int mtlsPort) throws IOException, InterruptedException {
        this.dir = dir;
        this.tlsPort = tlsPort;
        this.mtlsPort = mtlsPort;
        Files.createDirectories(dir.resolve("tmp"));
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
                %2$s
                }
                """.formatted(dir, servers);
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
        if (mtlsPort != tlsPort) {
            awaitListening(mtlsPort);
        }
    }

    public static NginxOrigin start(Path dir, TestPki.Leaf cert, Path clientCa)
            throws IOException, InterruptedException {
        int tlsPort = freePort();
        int mtlsPort = freePort();
        String tls = "ssl_certificate " + cert.certFile() + "; ssl_certificate_key " + cert.keyFile() + ";";
        String servers = """
                  server {
                    listen 127.0.0.1:%1$d ssl;
                    %3$s
                    location / { return 200 "nginx-tls dn=$ssl_client_s_dn\\n"; }
                  }
                  server {
                    listen 127.0.0.1:%2$d ssl;
                    %3$s
                    ssl_client_certificate %4$s;
                    ssl_verify_client on;
                    location / { return 200 "nginx-mtls dn=$ssl_client_s_dn serial=$ssl_client_serial cert=$ssl_client_escaped_cert\\n"; }
                  }
                """.formatted(tlsPort, mtlsPort, tls, clientCa);
        return new NginxOrigin(dir, servers, tlsPort, mtlsPort);
    }

    /** nginx serving the files under {@code root} over plain HTTP (a CRL distribution point), on {@link #port}. */
    public static NginxOrigin files(Path dir, Path root) throws IOException, InterruptedException {
        int port = freePort();
        String servers = """
                  server {
                    listen 127.0.0.1:%d;
                    location / { root %s; }
                  }
                """.formatted(port, root);
        return new NginxOrigin(dir, servers, port, port);
    }

    /** The port of a {@link #files} server. */
    public int port() {
        return tlsPort;
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
