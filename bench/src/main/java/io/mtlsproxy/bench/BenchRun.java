package io.mtlsproxy.bench;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.h2load.H2Load;
import io.mtlsproxy.bench.load.LoadGenerator;
import io.mtlsproxy.bench.load.LoadResult;
import io.mtlsproxy.bench.peer.HaproxyPeer;
import io.mtlsproxy.bench.peer.MtlsProxyPeer;
import io.mtlsproxy.bench.peer.NginxPeer;
import io.mtlsproxy.bench.peer.Origin;
import io.mtlsproxy.bench.peer.Peer;
import io.mtlsproxy.bench.peer.PeerEnvironment;
import io.mtlsproxy.bench.peer.PeerInstance;
import io.mtlsproxy.bench.peer.Versions;
import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.process.ProcInfo;
import io.mtlsproxy.bench.report.BenchReport;
import io.mtlsproxy.bench.report.ResultRow;
import io.mtlsproxy.bench.report.RunInfo;
import io.mtlsproxy.bench.scenario.Leg;
import io.mtlsproxy.bench.scenario.Scenario;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One bench run: makes the PKI, starts the origin and every peer (a peer that cannot start becomes failed rows,
 * not a crash), warms each peer up on every leg, then runs each scenario against each peer in turn (peers
 * interleaved, so a drift of the machine hits all of them alike). Closing stops every process it started.
 */
public final class BenchRun implements AutoCloseable {
    private final BenchOptions options;
    private final Consumer<String> progress;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<io.mtlsproxy.bench.process.ManagedProcess> started = new ArrayList<>();
    private Path runDir;

    public BenchRun(BenchOptions options, Consumer<String> progress) {
        this.options = requireNonNull(options, "options");
        this.progress = requireNonNull(progress, "progress");
    }

    public BenchReport run() throws Exception {
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        runDir = Files.createTempDirectory("mtls-bench-");
        progress.accept("run directory " + runDir);
        long fileLimit = ProcInfo.openFileLimits()[1];
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> notes = new ArrayList<>();
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put(
                "java (load generator)", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));

        if (options.scenarios().stream().anyMatch(s -> s.workload().h2load())) {
            versions.put(
                    "h2load (HTTP/2 load generator)",
                    H2Load.find()
                            .map(b -> Versions.firstLine(List.of(b.toString(), "--version")))
                            .orElse("not found"));
        }
        BenchPki pki = BenchPki.create(runDir.resolve("pki"));
        List<Peer> peers = peers();
        peers.forEach(p -> versions.put(p.name(), p.version()));
        List<ResultRow> rows = new ArrayList<>();

        Origin origin;
        try {
            origin = track(Origin.start(options.nginx(), runDir, pki, options.cpus(), fileLimit, root));
            started.add(origin.process());
        } catch (Exception e) {
            String reason = "origin nginx did not start: " + message(e);
            for (Scenario s : options.scenarios()) {
                peers.forEach(p -> rows.add(ResultRow.failed(p.name(), s, reason)));
            }
            return new BenchReport(runInfo(startedAt, versions, notes), rows);
        }

        PeerEnvironment env = new PeerEnvironment(runDir, pki, origin.ports(), options.cpus(), fileLimit, root);
        LoadGenerator loader = track(new LoadGenerator(options.loaderThreads()));
        ClientContexts contexts = track(ClientContexts.create(pki));
        ScenarioRunner runner = new ScenarioRunner(options, loader, contexts, env.connectionBudget(), runDir, pki);

        Map<String, PeerInstance> running = new LinkedHashMap<>();
        Map<String, String> failedToStart = new LinkedHashMap<>();
        for (Peer peer : peers) {
            progress.accept("starting " + peer.name());
            try {
                PeerInstance instance = track(peer.start(env));
                started.add(instance.process());
                running.put(peer.name(), instance);
            } catch (Exception e) {
                failedToStart.put(peer.name(), "did not start: " + message(e));
                progress.accept(peer.name() + " did not start: " + message(e));
            }
        }
        for (PeerInstance instance : running.values()) {
            warmUp(runner, instance, notes);
        }
        for (Scenario scenario : options.scenarios()) {
            for (Peer peer : peers) {
                ResultRow row;
                if (failedToStart.containsKey(peer.name())) {
                    row = ResultRow.failed(peer.name(), scenario, failedToStart.get(peer.name()));
                } else {
                    progress.accept(peer.name() + ": " + scenario.id());
                    try {
                        row = runner.run(scenario, running.get(peer.name()));
                    } catch (InterruptedException e) {
                        throw e;
                    } catch (Exception e) {
                        row = ResultRow.failed(peer.name(), scenario, "harness error: " + message(e));
                    }
                }
                rows.add(row);
            }
        }
        return new BenchReport(runInfo(startedAt, versions, notes), rows);
    }

    /** Every process this run started, with the children seen when it was stopped (tests check all are gone). */
    public List<ProcessHandle> startedProcesses() {
        return started.stream().flatMap(p -> p.seenHandles().stream()).toList();
    }

    private void warmUp(ScenarioRunner runner, PeerInstance instance, List<String> notes) throws InterruptedException {
        progress.accept("warming up " + instance.name()
                + " on every leg (and with new connections for the handshake rows, over HTTP/2 for the h2 rows)");
        Duration each = options.warmup().isZero() ? Duration.ofMillis(100) : options.warmup();
        for (Leg leg : Leg.ALL) {
            LoadResult r = runner.warmUp(instance, leg, each);
            if (r.errors().total() > 0 || r.requests() == 0) {
                notes.add(instance.name() + " warm-up on " + leg.label() + ": " + r.requests() + " answers, errors "
                        + r.errors().describe() + (r.lastError().isEmpty() ? "" : " (" + r.lastError() + ")"));
            }
        }
        for (Scenario hs : options.scenarios().stream()
                .filter(s -> s.workload().newConnectionPerRequest())
                .toList()) {
            ScenarioRunner.HandshakeWarmUp w = runner.warmUpHandshakes(hs, instance, each);
            LoadResult r = w.last();
            progress.accept(instance.name() + " " + hs.id() + " warm-up: " + w.windows() + " window(s), last "
                    + Math.round(r.handshakesPerSecond()) + " handshakes/s");
            if (r.errors().total() > 0 || r.handshakes() == 0) {
                notes.add(instance.name() + " handshake warm-up on " + hs.id() + ": " + r.handshakes()
                        + " handshakes, errors " + r.errors().describe()
                        + (r.lastError().isEmpty() ? "" : " (" + r.lastError() + ")"));
            }
        }
        for (Scenario h2 :
                options.scenarios().stream().filter(s -> s.workload().h2load()).toList()) {
            runner.warmUpHttp2(h2, instance, each)
                    .ifPresent(problem -> notes.add(
                            instance.name() + " HTTP/2 warm-up on " + h2.leg().label() + ": " + problem));
        }
        for (Scenario h2 : options.scenarios().stream()
                .filter(s -> s.workload().http2() && !s.workload().h2load())
                .toList()) {
            LoadResult r = runner.warmUpHttp2OnLoader(h2, instance, each);
            if (r.errors().total() > 0 || r.requests() == 0) {
                notes.add(instance.name() + " HTTP/2 warm-up (load generator) on "
                        + h2.leg().label() + ": "
                        + r.requests() + " answers, errors " + r.errors().describe()
                        + (r.lastError().isEmpty() ? "" : " (" + r.lastError() + ")"));
            }
        }
    }

    private List<Peer> peers() {
        List<Peer> peers = new ArrayList<>();
        for (String name : options.peers()) {
            peers.add(
                    switch (name) {
                        case "mtls-proxy" -> new MtlsProxyPeer(options.proxyJar(), options.proxyJvmOptions());
                        case "mtls-proxy-bare" ->
                            new MtlsProxyPeer(
                                    options.proxyJar(), options.proxyJvmOptions(), MtlsProxyPeer.Variant.BARE);
                        case "mtls-proxy-rules" ->
                            new MtlsProxyPeer(
                                    options.proxyJar(), options.proxyJvmOptions(), MtlsProxyPeer.Variant.RULES);
                        case "mtls-proxy-ocsp" ->
                            new MtlsProxyPeer(
                                    options.proxyJar(), options.proxyJvmOptions(), MtlsProxyPeer.Variant.OCSP);
                        case "nginx" -> new NginxPeer(options.nginx(), false);
                        case "nginx-minimal" -> new NginxPeer(options.nginx(), true);
                        case "haproxy" -> new HaproxyPeer(options.haproxy(), false);
                        case "haproxy-minimal" -> new HaproxyPeer(options.haproxy(), true);
                        default -> throw new IllegalArgumentException("peer: " + name);
                    });
        }
        return peers;
    }

    private RunInfo runInfo(String startedAt, Map<String, String> versions, List<String> notes) {
        String machine = ProcInfo.onlineCpus() + " cores online, " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + System.getProperty("os.arch");
        return new RunInfo(
                startedAt,
                options.quick(),
                machine,
                options.cpus().loader().isPresent() ? ProcInfo.allowedCpus() : ProcInfo.allowedCpus() + " (not pinned)",
                options.cpus().peer(),
                options.cpus().origin(),
                options.cpus().peerCores(),
                options.loaderThreads(),
                options.duration().toMillis() / 1000.0,
                options.warmup().toMillis() / 1000.0,
                options.connections(),
                options.handshakeConnections(),
                options.rate(),
                options.idleConnections(),
                versions,
                notes);
    }

    private <T extends AutoCloseable> T track(T resource) {
        toClose.add(resource);
        return resource;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }

    /** Stops the peers, the origin and the load generator (newest first), then deletes the run directory. */
    @Override
    public void close() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                progress.accept("while stopping: " + message(e));
            }
        }
        toClose.clear();
        if (runDir != null && !options.keepRunDir()) {
            try (Stream<Path> files = Files.walk(runDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                progress.accept("could not delete " + runDir + ": " + e.getMessage());
            }
        } else if (runDir != null) {
            progress.accept("kept run directory " + runDir);
        }
    }
}
