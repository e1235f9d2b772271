package io.mtlsproxy.bench.peer;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.process.Binaries;
import io.mtlsproxy.bench.process.ManagedProcess;
import io.mtlsproxy.bench.process.Ports;
import io.mtlsproxy.bench.scenario.Hop;
import io.mtlsproxy.bench.scenario.Leg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * mtls-proxy from its shaded jar, as operators run it ({@code java -jar mtls-proxy.jar run --config FILE}), with a
 * generated HOCON config: one listener and one route per leg, access log off, Netty's event loops sized to the
 * cores it was given, and the JVM options it is given (by default {@code @conf/jvm.options}, bin/mtls-proxy's).
 */
public final class MtlsProxyPeer implements Peer {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    /**
     * The configurations the bench can run mtls-proxy with, each as a peer of its own name, so that one run puts
     * their rows side by side: the defaults (request ID and trace context on), {@code -bare} (request IDs and trace
     * context off), {@code -rules} (the defaults plus a request header rule that names the client identity),
     * {@code -ocsp} (the defaults plus {@code ocsp.client-check = hard} on mTLS listeners, asking an
     * {@code openssl ocsp} responder the peer starts: after the first handshake every check is a cache hit).
     */
    public enum Variant {
        DEFAULT("mtls-proxy"),
        BARE("mtls-proxy-bare"),
        RULES("mtls-proxy-rules"),
        OCSP("mtls-proxy-ocsp");

        private final String peerName;

        Variant(String peerName) {
            this.peerName = peerName;
        }

        public String peerName() {
            return peerName;
        }
    }

    private final Path jar;
    private final List<String> jvmOptions;
    private final Variant variant;

    public MtlsProxyPeer(Path jar, List<String> jvmOptions) {
        this(jar, jvmOptions, Variant.DEFAULT);
    }

    public MtlsProxyPeer(Path jar, List<String> jvmOptions, Variant variant) {
        this.jar = requireNonNull(jar, "jar");
        this.jvmOptions = List.copyOf(jvmOptions);
        this.variant = requireNonNull(variant, "variant");
    }

    @Override
    public String name() {
        return variant.peerName();
    }

    @Override
    public String version() {
        return "mtls-proxy " + jar.getFileName() + (Files.isRegularFile(jar) ? "" : " (missing)")
                + (jvmOptions.isEmpty() ? "" : ", JVM options " + String.join(" ", jvmOptions));
    }

    @Override
    public PeerInstance start(PeerEnvironment env) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("mtls-proxy: " + jar + " not found (expected: built by "
                    + "mvn -B -q -DskipTests -pl proxy-admin -am package)");
        }
        Path java = Binaries.require(Path.of(System.getProperty("java.home"), "bin", "java"), "java");
        Path dir = env.runDir().resolve(name());
        Files.createDirectories(dir);
        Map<Leg, Integer> ports = new LinkedHashMap<>();
        Leg.ALL.forEach(leg -> ports.put(leg, Ports.free()));
        int adminPort = Ports.free();
        Optional<BenchOcspResponder> responder = variant == Variant.OCSP
                ? Optional.of(BenchOcspResponder.start(env.pki(), dir.resolve("ocsp")))
                : Optional.empty();
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, config(env, ports, adminPort, variant, responder.map(BenchOcspResponder::url)));

        List<String> cmd = new ArrayList<>();
        // the malloc arenas as bin/mtls-proxy sets them (env execs java: the pid stays the JVM's)
        cmd.addAll(List.of("env", "MALLOC_ARENA_MAX=" + System.getenv().getOrDefault("MALLOC_ARENA_MAX", "2")));
        cmd.add(java.toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dio.netty.eventLoopThreads=" + env.cpus().peerCores());
        cmd.addAll(List.of(
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "run", "--config", conf.toString()));
        ManagedProcess process;
        try {
            process = ManagedProcess.start(
                    name(), cmd, Optional.of(env.cpus().peer()), dir, dir.resolve("mtls-proxy.log"));
        } catch (IOException | RuntimeException e) {
            responder.ifPresent(BenchOcspResponder::close);
            throw e;
        }
        try {
            List<Integer> all = new ArrayList<>(ports.values());
            all.add(adminPort);
            process.awaitPorts(all, STARTUP);
        } catch (RuntimeException e) {
            process.close();
            responder.ifPresent(BenchOcspResponder::close);
            throw e;
        }
        return new PeerInstance(
                name(),
                process,
                ports,
                env.connectionBudget(),
                responder.map(r -> List.of(r.process())).orElse(List.of()));
    }

    /** DESIGN.md's configuration shape, one listener and one route per leg. */
    static String config(PeerEnvironment env, Map<Leg, Integer> ports, int adminPort) {
        return config(env, ports, adminPort, Variant.DEFAULT);
    }

    static String config(PeerEnvironment env, Map<Leg, Integer> ports, int adminPort, Variant variant) {
        return config(env, ports, adminPort, variant, Optional.empty());
    }

    /** {@code ocspResponder}: the responder that mTLS listeners ask about client certificates (variant ocsp). */
    static String config(
            PeerEnvironment env,
            Map<Leg, Integer> ports,
            int adminPort,
            Variant variant,
            Optional<String> ocspResponder) {
        BenchPki pki = env.pki();
        StringBuilder b = new StringBuilder("# generated by mtls-bench\n")
                .append("admin { bind = \"127.0.0.1\", port = ")
                .append(adminPort)
                .append(" }\n")
                .append("access-log = \"off\"\n")
                .append("shutdown-grace = 1s\n")
                .append("reload { watch = false }\n")
                .append(variant == Variant.BARE ? "request-id { enabled = false }\n" : "")
                .append("listeners = [\n");
        ports.forEach((leg, port) -> {
            b.append("  {\n    name = \"")
                    .append(leg.id())
                    .append("\"\n")
                    .append("    bind = \"127.0.0.1\"\n    port = ")
                    .append(port)
                    .append('\n')
                    .append("    tls {\n      mode = ")
                    .append(listenerMode(leg.inbound()))
                    .append('\n');
            if (leg.inbound().encrypted()) {
                b.append("      certificates = [{ cert = ")
                        .append(q(pki.proxyCert()))
                        .append(", key = ")
                        .append(q(pki.proxyKey()))
                        .append(" }]\n")
                        .append("      protocols = [\"TLSv1.3\", \"TLSv1.2\"]\n");
            }
            if (leg.inbound() == Hop.MTLS) {
                b.append("      client-auth = required\n")
                        .append("      client-ca = ")
                        .append(q(pki.edgeCa()))
                        .append('\n');
                ocspResponder.ifPresent(url -> b.append("      ocsp { client-check = hard, responder = \"")
                        .append(url)
                        .append("\" }\n"));
            }
            b.append("    }\n")
                    // As long as nginx's and HAProxy's: the idle scenario's connections send no request at all.
                    .append("    limits { max-connections = ")
                    .append(env.connectionBudget() + 1024)
                    .append(", idle-timeout = 300s, request-header-timeout = 300s, handshake-timeout = 60s }\n")
                    .append("  }\n");
        });
        b.append("]\nroutes = [\n");
        ports.forEach((leg, port) -> {
            b.append("  {\n    name = \"")
                    .append(leg.id())
                    .append("\"\n")
                    .append("    listener = \"")
                    .append(leg.id())
                    .append("\"\n")
                    .append("    match { path-prefix = \"/\" }\n")
                    .append(
                            variant == Variant.RULES
                                    ? "    headers.request.set { \"X-Client-Subject\" = \"%{client.subject}\" }\n"
                                    : "")
                    .append("    upstream {\n      endpoints = [\"127.0.0.1:")
                    .append(env.originPort(leg.outbound()))
                    .append("\"]\n      tls {\n        mode = ")
                    .append(leg.outbound().id())
                    .append('\n');
            if (leg.outbound().encrypted()) {
                b.append("        trust-ca = ")
                        .append(q(pki.originCa()))
                        .append('\n')
                        .append("        server-name = \"")
                        .append(BenchPki.ORIGIN_NAME)
                        .append("\"\n");
            }
            if (leg.outbound() == Hop.MTLS) {
                b.append("        cert = ")
                        .append(q(pki.upstreamClientCert()))
                        .append('\n')
                        .append("        key = ")
                        .append(q(pki.upstreamClientKey()))
                        .append('\n');
            }
            b.append("      }\n    }\n  }\n");
        });
        return b.append("]\n").toString();
    }

    private static String listenerMode(Hop inbound) {
        return inbound == Hop.PLAIN ? "none" : inbound.id();
    }

    private static String q(Path path) {
        return "\"" + path.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
