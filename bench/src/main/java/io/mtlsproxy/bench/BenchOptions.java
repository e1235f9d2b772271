package io.mtlsproxy.bench;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.process.CpuPlan;
import io.mtlsproxy.bench.scenario.Scenario;
import io.mtlsproxy.bench.scenario.Scenarios;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a bench run is told. {@link #full} and {@link #quick} give the two presets; the builder changes
 * single settings (the command line and the tests use it).
 */
public record BenchOptions(
        List<String> peers,
        List<Scenario> scenarios,
        boolean quick,
        Duration duration,
        Duration warmup,
        int connections,
        int handshakeConnections,
        double rate,
        int rateConnections,
        int idleConnections,
        Duration requestTimeout,
        CpuPlan cpus,
        int loaderThreads,
        Path outDir,
        Path proxyJar,
        List<String> proxyJvmOptions,
        Path nginx,
        Path haproxy,
        Path mtlsload,
        boolean keepRunDir,
        int h2Connections,
        int h2Streams) {
    /**
     * Every peer: nginx and HAProxy twice, doing the same work as mtls-proxy (forwarded headers and XFCC) and in a
     * minimal configuration that adds no header, since an outsider's comparison would use the latter.
     */
    public static final List<String> ALL_PEERS =
            List.of("mtls-proxy", "nginx", "haproxy", "nginx-minimal", "haproxy-minimal");

    /** The peers doing the same work: the quick run's default. */
    public static final List<String> SAME_WORK_PEERS = List.of("mtls-proxy", "nginx", "haproxy");

    /** Also accepted by --peers: mtls-proxy in other configurations (see MtlsProxyPeer.Variant). */
    public static final List<String> KNOWN_PEERS = List.of(
            "mtls-proxy",
            "nginx",
            "haproxy",
            "nginx-minimal",
            "haproxy-minimal",
            "mtls-proxy-bare",
            "mtls-proxy-rules",
            "mtls-proxy-ocsp");

    public BenchOptions {
        peers = List.copyOf(requireNonNull(peers, "peers"));
        for (String p : peers) {
            if (!KNOWN_PEERS.contains(p)) {
                throw new IllegalArgumentException("peer: " + p + " (expected: one of " + KNOWN_PEERS + ")");
            }
        }
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("peers: empty (expected: at least one of " + ALL_PEERS + ")");
        }
        scenarios = List.copyOf(requireNonNull(scenarios, "scenarios"));
        requireNonNull(duration, "duration");
        requireNonNull(warmup, "warmup");
        requireNonNull(requestTimeout, "requestTimeout");
        requireNonNull(cpus, "cpus");
        requireNonNull(outDir, "outDir");
        requireNonNull(proxyJar, "proxyJar");
        proxyJvmOptions = List.copyOf(requireNonNull(proxyJvmOptions, "proxyJvmOptions"));
        requireNonNull(nginx, "nginx");
        requireNonNull(haproxy, "haproxy");
        requireNonNull(mtlsload, "mtlsload");
        positive("connections", connections);
        positive("handshake-connections", handshakeConnections);
        positive("rate-connections", rateConnections);
        positive("idle-connections", idleConnections);
        positive("loader-threads", loaderThreads);
        positive("h2-connections", h2Connections);
        positive("h2-streams", h2Streams);
        if (rate <= 0) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: > 0 requests per second)");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: at least 1)");
        }
    }

    /** A full run: every scenario, 10 s per row after 2 s of warm-up, 10,000 idle connections. */
    public static Builder full(Path repoRoot) {
        return new Builder(repoRoot)
                .scenarios(Scenarios.ALL)
                .duration(Duration.ofSeconds(10))
                .warmup(Duration.ofSeconds(2))
                .connections(64)
                .handshakeConnections(16)
                .rate(2000, 32)
                .idleConnections(10_000)
                .h2Connections(16)
                .h2Streams(10)
                .outDir(repoRoot.resolve("bench/results"));
    }

    /** Proves the harness end to end in seconds: a subset of scenarios, half a second each. */
    public static Builder quick(Path repoRoot) {
        return new Builder(repoRoot)
                .quick(true)
                .peers(SAME_WORK_PEERS)
                .scenarios(Scenarios.QUICK_SUBSET)
                .duration(Duration.ofMillis(500))
                .warmup(Duration.ofMillis(200))
                .connections(8)
                .handshakeConnections(4)
                .rate(200, 8)
                .idleConnections(200)
                .h2Connections(4)
                .h2Streams(4)
                .outDir(repoRoot.resolve("bench/results/quick"));
    }

    public static final class Builder {
        private List<String> peers = ALL_PEERS;
        private List<Scenario> scenarios = Scenarios.ALL;
        private boolean quick;
        private Duration duration = Duration.ofSeconds(10);
        private Duration warmup = Duration.ofSeconds(2);
        private int connections = 64;
        private int handshakeConnections = 16;
        private double rate = 2000;
        private int rateConnections = 32;
        private int idleConnections = 10_000;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private CpuPlan cpus = CpuPlan.defaults(io.mtlsproxy.bench.process.ProcInfo.onlineCpus());
        private int loaderThreads;
        private Path outDir;
        private Path proxyJar;
        private List<String> proxyJvmOptions = List.of();
        private Path nginx = Path.of("/usr/sbin/nginx");
        private Path haproxy = Path.of("/usr/sbin/haproxy");
        private Path mtlsload;
        private boolean keepRunDir;
        private int h2Connections = 16;
        private int h2Streams = 10;

        private Builder(Path repoRoot) {
            this.mtlsload = repoRoot.toAbsolutePath()
                    .resolve("../shared/tools/mtlsload")
                    .normalize();
            this.outDir = repoRoot.resolve("bench/results");
            this.proxyJar = repoRoot.resolve("proxy-admin/target/mtls-proxy.jar");
            // the JVM options bin/mtls-proxy runs the proxy with: the bench measures what operators run
            Path jvmOptions = repoRoot.resolve("conf/jvm.options");
            if (java.nio.file.Files.isRegularFile(jvmOptions)) {
                this.proxyJvmOptions = List.of("@" + jvmOptions.toAbsolutePath());
            }
            io.mtlsproxy.bench.process.Binaries.find("nginx").ifPresent(p -> nginx = p);
            io.mtlsproxy.bench.process.Binaries.find("haproxy").ifPresent(p -> haproxy = p);
        }

        public Builder peers(List<String> peers) {
            this.peers = peers;
            return this;
        }

        public Builder scenarios(List<Scenario> scenarios) {
            this.scenarios = scenarios;
            return this;
        }

        public Builder quick(boolean quick) {
            this.quick = quick;
            return this;
        }

        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        public Builder warmup(Duration warmup) {
            this.warmup = warmup;
            return this;
        }

        public Builder connections(int connections) {
            this.connections = connections;
            return this;
        }

        public Builder handshakeConnections(int handshakeConnections) {
            this.handshakeConnections = handshakeConnections;
            return this;
        }

        /** Open-loop rate (requests per second) and the keep-alive connections that carry it. */
        public Builder rate(double rate, int connections) {
            this.rateConnections = connections;
            return rate(rate);
        }

        public Builder rate(double rate) {
            this.rate = rate;
            return this;
        }

        public Builder idleConnections(int idleConnections) {
            this.idleConnections = idleConnections;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder cpus(CpuPlan cpus) {
            this.cpus = cpus;
            return this;
        }

        public Builder loaderThreads(int loaderThreads) {
            this.loaderThreads = loaderThreads;
            return this;
        }

        public Builder outDir(Path outDir) {
            this.outDir = outDir;
            return this;
        }

        public Builder proxyJar(Path proxyJar) {
            this.proxyJar = proxyJar;
            return this;
        }

        /** Replaces the proxy's JVM options (by default {@code @conf/jvm.options}, as bin/mtls-proxy uses). */
        public Builder proxyJvmOptions(List<String> options) {
            this.proxyJvmOptions = options;
            return this;
        }

        /** Adds JVM options after the default ones; for the same option the last one wins. */
        public Builder addProxyJvmOptions(List<String> options) {
            List<String> all = new java.util.ArrayList<>(proxyJvmOptions);
            all.addAll(options);
            this.proxyJvmOptions = all;
            return this;
        }

        public Builder nginx(Path nginx) {
            this.nginx = nginx;
            return this;
        }

        public Builder mtlsload(Path mtlsload) {
            this.mtlsload = mtlsload;
            return this;
        }

        public Builder haproxy(Path haproxy) {
            this.haproxy = haproxy;
            return this;
        }

        public Builder keepRunDir(boolean keepRunDir) {
            this.keepRunDir = keepRunDir;
            return this;
        }

        /** HTTP/2 connections of the h2 row (h2load's -c) and of the h2-mtls row (the load generator's). */
        public Builder h2Connections(int connections) {
            this.h2Connections = connections;
            return this;
        }

        /** Requests in flight on each HTTP/2 connection of the h2 and h2-mtls rows (h2load's -m). */
        public Builder h2Streams(int streams) {
            this.h2Streams = streams;
            return this;
        }

        public BenchOptions build() {
            // One event loop per core the load generator has; one when it is not pinned.
            int threads = loaderThreads > 0
                    ? loaderThreads
                    : cpus.loader()
                            .map(io.mtlsproxy.bench.process.CpuPlan::count)
                            .orElse(1);
            return new BenchOptions(
                    peers,
                    scenarios,
                    quick,
                    duration,
                    warmup,
                    connections,
                    handshakeConnections,
                    rate,
                    rateConnections,
                    idleConnections,
                    requestTimeout,
                    cpus,
                    threads,
                    outDir,
                    proxyJar,
                    proxyJvmOptions,
                    nginx,
                    haproxy,
                    mtlsload,
                    keepRunDir,
                    h2Connections,
                    h2Streams);
        }
    }
}
