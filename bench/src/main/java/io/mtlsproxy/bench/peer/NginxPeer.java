package io.mtlsproxy.bench.peer;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.process.Binaries;
import io.mtlsproxy.bench.process.ManagedProcess;
import io.mtlsproxy.bench.process.Ports;
import io.mtlsproxy.bench.scenario.Hop;
import io.mtlsproxy.bench.scenario.Leg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * nginx configured as the hand-written {@code ssl_verify_client} block it is meant to replace: one server per
 * leg, client certificates verified, keep-alive to the origin through an {@code upstream} pool, the origin
 * verified on TLS legs, forwarded headers set as mtls-proxy sets them, access log off. The {@code minimal}
 * variant ({@code nginx-minimal}) sets no forwarded header: the least work nginx can do on the same legs, as an
 * outsider's benchmark would configure it.
 */
public final class NginxPeer implements Peer {
    private final Path binary;
    private final boolean minimal;

    public NginxPeer(Path binary, boolean minimal) {
        this.binary = requireNonNull(binary, "binary");
        this.minimal = minimal;
    }

    @Override
    public String name() {
        return minimal ? "nginx-minimal" : "nginx";
    }

    @Override
    public String version() {
        return Nginx.version(binary);
    }

    @Override
    public PeerInstance start(PeerEnvironment env) throws Exception {
        Binaries.require(binary, "nginx");
        Path dir = env.runDir().resolve(name());
        Files.createDirectories(dir);
        Map<Leg, Integer> ports = new LinkedHashMap<>();
        Leg.ALL.forEach(leg -> ports.put(leg, Ports.free()));
        // worker_connections counts upstream connections too: room for the idle scenario plus the pools.
        int connections = env.connectionBudget() + 1024;
        String conf = Nginx.prelude(dir, env.cpus().peerCores(), connections, env.openFileLimit(), env.runsAsRoot())
                + "  ssl_certificate " + env.pki().proxyCert() + ";\n"
                + "  ssl_certificate_key " + env.pki().proxyKey() + ";\n"
                // Stream big answers instead of spooling them to temp files, as a streaming proxy does.
                + "  proxy_max_temp_file_size 0;\n"
                + upstreams(env)
                + servers(env.pki(), ports, minimal)
                + "}\n";
        ManagedProcess process =
                Nginx.start(name(), binary, dir, conf, Optional.of(env.cpus().peer()));
        try {
            process.awaitPorts(new ArrayList<>(ports.values()), Duration.ofSeconds(15));
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        return new PeerInstance(name(), process, ports, env.connectionBudget());
    }

    private static String upstreams(PeerEnvironment env) {
        StringBuilder b = new StringBuilder();
        for (Hop hop : Hop.values()) {
            b.append("  upstream origin_")
                    .append(hop.id())
                    .append(" {\n")
                    .append("    server 127.0.0.1:")
                    .append(env.originPort(hop))
                    .append(";\n")
                    .append("    keepalive 256;\n    keepalive_requests 1000000;\n    keepalive_timeout 300s;\n")
                    .append("  }\n");
        }
        return b.toString();
    }

    static String servers(BenchPki pki, Map<Leg, Integer> ports, boolean minimal) {
        StringBuilder b = new StringBuilder();
        ports.forEach((leg, port) -> {
            // h2 and http/1.1 by ALPN on TLS and mTLS listeners, as mtls-proxy offers them (nginx 1.22 syntax).
            b.append("  server {\n    listen 127.0.0.1:")
                    .append(port)
                    .append(leg.inbound().encrypted() ? " ssl http2" : "")
                    .append(";\n");
            if (leg.inbound() == Hop.MTLS) {
                b.append("    ssl_client_certificate ")
                        .append(pki.edgeCa())
                        .append(";\n")
                        .append("    ssl_verify_client on;\n    ssl_verify_depth 2;\n");
            }
            b.append("    location / {\n")
                    .append("      proxy_pass ")
                    .append(leg.outbound().encrypted() ? "https" : "http")
                    .append("://origin_")
                    .append(leg.outbound().id())
                    .append(";\n")
                    .append("      proxy_http_version 1.1;\n")
                    .append("      proxy_set_header Connection \"\";\n")
                    .append("      proxy_set_header Host $http_host;\n");
            if (!minimal) {
                b.append("      proxy_set_header X-Forwarded-For $remote_addr;\n")
                        .append("      proxy_set_header X-Forwarded-Proto $scheme;\n")
                        .append("      proxy_set_header X-Forwarded-Host $http_host;\n");
                // mtls-proxy's sanitize-set: the client's header is dropped, the proxy's own is set on mTLS legs.
                b.append("      proxy_set_header X-Forwarded-Client-Cert ")
                        .append(
                                leg.inbound() == Hop.MTLS
                                        ? "\"Hash=$ssl_client_fingerprint;Subject=\\\"$ssl_client_s_dn\\\"\""
                                        : "\"\"")
                        .append(";\n");
            }
            if (leg.outbound().encrypted()) {
                b.append("      proxy_ssl_verify on;\n")
                        .append("      proxy_ssl_trusted_certificate ")
                        .append(pki.originCa())
                        .append(";\n")
                        .append("      proxy_ssl_verify_depth 2;\n")
                        .append("      proxy_ssl_name ")
                        .append(BenchPki.ORIGIN_NAME)
                        .append(";\n")
                        .append("      proxy_ssl_server_name on;\n")
                        .append("      proxy_ssl_protocols ")
                        .append(TlsPolicy.NGINX_PROTOCOLS)
                        .append(";\n");
            }
            if (leg.outbound() == Hop.MTLS) {
                b.append("      proxy_ssl_certificate ")
                        .append(pki.upstreamClientCert())
                        .append(";\n")
                        .append("      proxy_ssl_certificate_key ")
                        .append(pki.upstreamClientKey())
                        .append(";\n");
            }
            b.append("    }\n  }\n");
        });
        return b.toString();
    }
}
