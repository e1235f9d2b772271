package io.mtlsproxy.admin.demo;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.config.ConfigException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded default: a throwaway PKI, three demo origins (plain, TLS, mTLS) and a proxy with a plain, a TLS
 * and an mTLS listener, each routing /plain, /tls and /mtls to the matching origin — all nine combinations —
 * started from a configuration file written next to the PKI, exactly as {@code run --config} would.
 */
public final class Demo implements AutoCloseable {
    private final Path dir;
    private final DemoPki pki;
    private final EventLoopGroup originLoop;
    private final List<DemoOrigin> origins;
    private final ProxyApp app;

    private Demo(Path dir, DemoPki pki, EventLoopGroup originLoop, List<DemoOrigin> origins, ProxyApp app) {
        this.dir = dir;
        this.pki = pki;
        this.originLoop = originLoop;
        this.origins = origins;
        this.app = app;
    }

    /** Listener and admin ports; 0 picks a free port. */
    public record Ports(int plain, int tls, int mtls, int admin) {
        public static final Ports DEFAULT = new Ports(8080, 8443, 9443, 9901);
        public static final Ports ANY = new Ports(0, 0, 0, 0);
    }

    public static Demo start(Path dir, Ports ports) throws IOException, ConfigException, InterruptedException {
        requireNonNull(dir, "dir");
        requireNonNull(ports, "ports");
        Files.createDirectories(dir);
        DemoPki pki = DemoPki.create(dir);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<DemoOrigin> origins = new ArrayList<>();
        try {
            SslContext tls = SslContextBuilder.forServer(
                            pki.originCert().toFile(), pki.originKey().toFile())
                    .build();
            SslContext mtls = SslContextBuilder.forServer(
                            pki.originCert().toFile(), pki.originKey().toFile())
                    .trustManager(pki.originCa().toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
            origins.add(DemoOrigin.start("plain", loop, 0, null));
            origins.add(DemoOrigin.start("tls", loop, 0, tls));
            origins.add(DemoOrigin.start("mtls", loop, 0, mtls));
            Path config = dir.resolve("demo.conf");
            Files.writeString(
                    config,
                    DemoConfig.render(
                            List.of(ports.plain(), ports.tls(), ports.mtls()),
                            origins.stream().map(DemoOrigin::port).toList(),
                            ports.admin()));
            ProxyApp app = ProxyApp.start(config);
            return new Demo(dir, pki, loop, origins, app);
        } catch (IOException | ConfigException | RuntimeException | InterruptedException e) {
            origins.forEach(DemoOrigin::close);
            loop.shutdownGracefully();
            throw e;
        }
    }

    public ProxyApp app() {
        return app;
    }

    public Path dir() {
        return dir;
    }

    /** One ready-to-paste curl command per combination, in listener then route order. */
    public List<String> curlCommands() {
        List<String> lines = new ArrayList<>();
        for (String in : DemoConfig.INBOUND) {
            for (String out : DemoConfig.OUTBOUND) {
                lines.add(curl(in, out));
            }
        }
        return lines;
    }

    private String curl(String in, String out) {
        int port = app.port(in);
        String path = "/" + out + "/hello?from=" + in;
        return switch (in) {
            case "plain" -> "curl -sS 'http://127.0.0.1:" + port + path + "'";
            case "tls" -> "curl -sS --cacert " + pki.edgeCa() + " 'https://localhost:" + port + path + "'";
            default ->
                "curl -sS --cacert " + pki.edgeCa() + " --cert " + pki.clientCert() + " --key " + pki.clientKey()
                        + " 'https://localhost:" + port + path + "'";
        };
    }

    /** What the demo prints after start. */
    public String banner() {
        StringBuilder b = new StringBuilder();
        b.append("\nmtls-proxy demo is running. PKI and configuration: ")
                .append(dir)
                .append('\n');
        b.append("  listeners: plain :")
                .append(app.port("plain"))
                .append(", tls :")
                .append(app.port("tls"))
                .append(", mtls :")
                .append(app.port("mtls"))
                .append(" (client certificate required)\n");
        b.append("  origins:   plain :")
                .append(origins.get(0).port())
                .append(", tls :")
                .append(origins.get(1).port())
                .append(", mtls :")
                .append(origins.get(2).port())
                .append(" (each answers with what it saw)\n\n");
        b.append("Try each inbound x outbound combination (paste into another terminal):\n");
        int i = 0;
        for (String line : curlCommands()) {
            b.append("  # ")
                    .append(DemoConfig.INBOUND.get(i / 3))
                    .append(" -> ")
                    .append(DemoConfig.OUTBOUND.get(i % 3))
                    .append('\n')
                    .append("  ")
                    .append(line)
                    .append('\n');
            i++;
        }
        String admin = "http://127.0.0.1:" + app.adminPort();
        b.append("\nWithout a client certificate the mTLS listener refuses the handshake:\n");
        b.append("  curl -sS --cacert ")
                .append(pki.edgeCa())
                .append(" 'https://localhost:")
                .append(app.port("mtls"))
                .append("/plain/'\n");
        b.append("\nAdmin endpoint:\n");
        b.append("  curl -sS ").append(admin).append("/certs        # every certificate with its expiry state\n");
        b.append("  curl -sS '")
                .append(admin)
                .append("/certs?state=expiring'  # ")
                .append(pki.expiringCert().getFileName())
                .append(", made to expire in ")
                .append(DemoPki.EXPIRING_DAYS)
                .append(" days on purpose\n");
        b.append("  curl -sS ").append(admin).append("/tls/failures # recent failed handshakes and why\n");
        b.append("  curl -sS ").append(admin).append("/metrics\n");
        b.append("  run it yourself: bin/mtls-proxy run --config ")
                .append(dir.resolve("demo.conf"))
                .append('\n');
        b.append("\nCtrl-C stops the demo.\n");
        return b.toString();
    }

    /** Drains the proxy, then stops the origins. */
    public void shutdown() {
        try {
            app.shutdown();
        } finally {
            closeOrigins();
        }
    }

    @Override
    public void close() {
        try {
            app.close();
        } finally {
            closeOrigins();
        }
    }

    private void closeOrigins() {
        origins.forEach(DemoOrigin::close);
        originLoop.shutdownGracefully().awaitUninterruptibly();
    }
}
