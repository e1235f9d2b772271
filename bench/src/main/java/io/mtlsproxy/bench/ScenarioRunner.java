package io.mtlsproxy.bench;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.h2load.H2Load;
import io.mtlsproxy.bench.h2load.H2LoadSpec;
import io.mtlsproxy.bench.load.IdleConnections;
import io.mtlsproxy.bench.load.LoadGenerator;
import io.mtlsproxy.bench.load.LoadResult;
import io.mtlsproxy.bench.load.LoadSpec;
import io.mtlsproxy.bench.mtlsload.MtlsLoad;
import io.mtlsproxy.bench.mtlsload.MtlsLoadResult;
import io.mtlsproxy.bench.mtlsload.MtlsLoadSpec;
import io.mtlsproxy.bench.peer.PeerInstance;
import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.report.ResultRow;
import io.mtlsproxy.bench.scenario.Leg;
import io.mtlsproxy.bench.scenario.Scenario;
import io.mtlsproxy.bench.scenario.Workload;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Runs one scenario against one running peer and turns what the load generator saw into a table row. */
final class ScenarioRunner {
    /** A 64 MiB body through two TLS hops on a busy core can take a while. */
    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Requests of the HTTP/2 warm-up per second of {@code --warmup}: what the peers do on one core once warm, so a
     * warm peer is done in about that time; mtls-proxy's cold HTTP/2 path answers 1,500 to 2,000 per second on the
     * quick run's 4 x 4 streams, so its 1,000 quick warm-up requests take about 0.6 s.
     */
    static final long WARM_UP_H2_REQUESTS_PER_SECOND = 5_000;
    /**
     * At most this many {@code --warmup} windows of a handshake row's own work before the row (30 s at the full
     * run's 2 s): with the JIT compiler sharing the load generator's core, the handshake path of both JVMs took
     * 20 s and more to compile.
     */
    static final int WARM_UP_HANDSHAKE_WINDOWS = 15;

    private final BenchOptions options;
    private final LoadGenerator loader;
    private final ClientContexts tls;
    private final int connectionBudget;
    private final Path runDir;
    private final BenchPki pki;

    ScenarioRunner(
            BenchOptions options,
            LoadGenerator loader,
            ClientContexts tls,
            int connectionBudget,
            Path runDir,
            BenchPki pki) {
        this.options = requireNonNull(options, "options");
        this.loader = requireNonNull(loader, "loader");
        this.tls = requireNonNull(tls, "tls");
        this.connectionBudget = connectionBudget;
        this.runDir = requireNonNull(runDir, "runDir");
        this.pki = requireNonNull(pki, "pki");
    }

    ResultRow run(Scenario scenario, PeerInstance peer) throws InterruptedException {
        if (!peer.process().alive()) {
            return ResultRow.failed(peer.name(), scenario, peer.process().exitReason());
        }
        Workload w = scenario.workload();
        ResultRow row = w == Workload.IDLE
                ? idle(scenario, peer)
                : w.h2load() ? http2(scenario, peer) : w.mtlsload() ? mtlsload(scenario, peer) : load(scenario, peer);
        if (!peer.process().alive()) {
            return ResultRow.failed(
                    peer.name(),
                    scenario,
                    "died during the run: " + peer.process().exitReason());
        }
        return row;
    }

    /** A short closed-loop run on every leg: warms the JIT of both JVMs and proves every leg answers. */
    LoadResult warmUp(PeerInstance peer, Leg leg, Duration duration) throws InterruptedException {
        return loader.run(spec(new Scenario(leg, Workload.SMALL), peer)
                .warmup(Duration.ZERO)
                .duration(duration)
                .build());
    }

    /**
     * Warms a handshake row's code in both JVMs (the load generator's TLS client and certificate check, mtls-proxy's
     * accept, handshake and client-certificate path) with the row's own work, one window at a time, for at least three
     * windows and then until the handshake rate stops rising (under 5 % above the window before) and this JVM's JIT
     * compiler has gone quiet (under 5 % of the window), or {@link #WARM_UP_HANDSHAKE_WINDOWS} windows have run (one
     * window when it is under a second). The
     * keep-alive warm-up of the legs makes 64 handshakes, so without this both JVMs compiled the handshake path
     * during the first handshake row, their compiler threads on the cores of the load generator and of the peer: the
     * load generator's event loop got about half of its core, and the row measured that (see docs/bench.md).
     */
    HandshakeWarmUp warmUpHandshakes(Scenario scenario, PeerInstance peer, Duration window)
            throws InterruptedException {
        LoadSpec spec =
                spec(scenario, peer).warmup(Duration.ZERO).duration(window).build();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        double before = 0;
        LoadResult last = null;
        int windows = 0;
        // Windows under a second (the quick preset) prove the path once: waiting for the JIT would outlast the rows.
        int most = window.toMillis() < 1000 ? 1 : WARM_UP_HANDSHAKE_WINDOWS;
        while (windows < most) {
            long jitBefore = jitTimed ? jit.getTotalCompilationTime() : 0;
            last = loader.run(spec);
            windows++;
            long jitMillis = jitTimed ? jit.getTotalCompilationTime() - jitBefore : 0;
            double rate = last.handshakesPerSecond();
            boolean rising = rate >= before * 1.05;
            boolean compiling = jitMillis * 20 > window.toMillis();
            if (last.errors().total() > 0 || (windows >= 3 && !rising && !compiling)) {
                break;
            }
            before = rate;
        }
        return new HandshakeWarmUp(last, windows);
    }

    /** What {@link #warmUpHandshakes} did: its last window and how many windows it ran. */
    record HandshakeWarmUp(LoadResult last, int windows) {
        HandshakeWarmUp {
            requireNonNull(last, "last");
        }
    }

    /**
     * HTTP/2 rows on the load generator (h2-mtls) warm up the same way, over HTTP/2: the peers' HTTP/2 code is not
     * reached by the HTTP/1.1 warm-up of the legs.
     */
    LoadResult warmUpHttp2OnLoader(Scenario scenario, PeerInstance peer, Duration duration)
            throws InterruptedException {
        return loader.run(
                spec(scenario, peer).warmup(Duration.ZERO).duration(duration).build());
    }

    private ResultRow load(Scenario scenario, PeerInstance peer) throws InterruptedException {
        PeerCpu cpu = new PeerCpu(peer.process().handle());
        LoadResult r = loader.run(spec(scenario, peer).build(), cpu);
        Workload w = scenario.workload();
        String alpn = r.applicationProtocol().isEmpty() ? "" : " " + r.applicationProtocol();
        String note = r.lastError();
        if (w.http2()) {
            String shape =
                    "load generator, " + options.h2Connections() + " connections × " + options.h2Streams() + " streams";
            note = note.isEmpty() ? shape : shape + "; " + note;
        }
        ResultRow.Builder row = ResultRow.builder(peer.name(), scenario)
                .requests(r.requests(), r.requestsPerSecond())
                .megabytesPerSecond(r.megabytesPerSecond())
                .latencyMicros(r.p50Micros(), r.p99Micros(), r.p999Micros())
                .errors(r.errors().total(), r.errors().describe())
                .tls(r.tlsProtocol().isEmpty() ? "" : r.tlsProtocol() + " " + r.tlsCipher() + alpn)
                .cpuMicrosPerRequest(cpu.microsPer(r.requests()))
                .note(note);
        if (w.http2() && !r.tlsProtocol().isEmpty() && !r.applicationProtocol().equals("h2")) {
            // A handshake happened but ALPN did not choose h2: nothing was measured over HTTP/2.
            return row.failure("no HTTP/2 (expected: h2 chosen by ALPN): " + r.lastError())
                    .build();
        }
        if (w.newConnectionPerRequest()) {
            row.handshakes(r.handshakesPerSecond(), r.resumed());
            if (r.resumed() > 0) {
                row.note(r.resumed() + " handshakes resumed a session (expected: none, every one full)");
            }
        }
        if (r.requests() == 0 && r.errors().total() == 0) {
            row.failure("no request completed in the measured window");
        }
        return row.build();
    }

    /**
     * The HTTP/2 row, driven by h2load pinned like the load generator. No MB/s: h2load counts the warm-up's bytes
     * with the measured ones. Its own request-time line (min, mean, sd, max) goes into the note.
     */
    private ResultRow http2(Scenario scenario, PeerInstance peer) throws InterruptedException {
        Optional<Path> binary = H2Load.find();
        if (binary.isEmpty()) {
            return ResultRow.failed(
                    peer.name(), scenario, "h2load not found (expected: nghttp2-client's h2load on " + "PATH)");
        }
        H2LoadSpec spec = h2Spec(scenario, peer, options.warmup(), options.duration());
        H2Load.H2LoadResult h2;
        try {
            h2 = H2Load.run(binary.get(), spec, runDir.resolve("h2load").resolve(peer.name() + "-" + scenario.id()));
        } catch (IOException | IllegalStateException e) {
            return ResultRow.failed(peer.name(), scenario, "h2load: " + e.getMessage());
        }
        LoadResult r = h2.load();
        String shape = "h2load, " + spec.connections() + " connections × " + spec.streams() + " streams, "
                + spec.effectiveThreads() + " thread(s); its time for request: "
                + h2.summary().requestTime().describe();
        ResultRow.Builder row = ResultRow.builder(peer.name(), scenario)
                .requests(r.requests(), r.requestsPerSecond())
                .latencyMicros(r.p50Micros(), r.p99Micros(), r.p999Micros())
                .errors(r.errors().total(), r.errors().describe())
                .tls(r.tlsProtocol() + " " + r.tlsCipher() + " h2")
                .note(r.lastError().isEmpty() ? shape : shape + "; " + r.lastError());
        if (r.requests() == 0 && r.errors().total() == 0) {
            row.failure("no request completed in the measured window");
        }
        return row.build();
    }

    /** The keep-alive row again, driven by mtlsload with the same connections, warm-up, window and pinning. */
    private ResultRow mtlsload(Scenario scenario, PeerInstance peer) throws InterruptedException {
        Optional<Path> binary = MtlsLoad.find(options.mtlsload());
        if (binary.isEmpty()) {
            return ResultRow.failed(
                    peer.name(),
                    scenario,
                    "mtlsload not found (expected: an executable at " + options.mtlsload() + ")");
        }
        MtlsLoadSpec spec = new MtlsLoadSpec(
                peer.port(scenario.leg()),
                scenario.workload().path(),
                options.connections(),
                options.warmup(),
                options.duration(),
                pki.edgeCa(),
                pki.loaderCert(),
                pki.loaderKey(),
                peer.process().handle().pid(),
                options.cpus().loader());
        MtlsLoadResult r;
        try {
            r = MtlsLoad.run(binary.get(), spec, runDir.resolve("mtlsload").resolve(peer.name()));
        } catch (IOException | IllegalStateException e) {
            return ResultRow.failed(peer.name(), scenario, "mtlsload: " + e.getMessage());
        }
        ResultRow.Builder row = ResultRow.builder(peer.name(), scenario)
                .requests(r.requests(), r.requestsPerSecond())
                .latencyMicros(
                        Math.round(r.p50Ms() * 1000), Math.round(r.p99Ms() * 1000), Math.round(r.p999Ms() * 1000))
                .errors(r.errors(), r.errors() == 0 ? "none" : r.errors() + " (see mtlsload's output)")
                .cpuMicrosPerRequest(r.peerCpuMicrosPerRequest())
                .tls("TLSv1.3 (mtlsload)")
                .note("mtlsload, " + options.connections() + " connections");
        if (r.requests() == 0 && r.errors() == 0) {
            row.failure("no request completed in the measured window");
        }
        return row.build();
    }

    /**
     * HTTP/2 has its own code in a peer (mtls-proxy's JIT in particular), which the HTTP/1.1 warm-up of the legs
     * does not reach: a short h2load run before the first scenario. Empty when it went well, else what went wrong.
     * It counts requests ({@link #WARM_UP_H2_REQUESTS_PER_SECOND} per second of {@code duration}) instead of timing
     * them: these are the first HTTP/2 handshakes the peer sees, the slowest, and a timing-based h2load never ends
     * when one of them completes after its window (see {@link H2Load}).
     */
    Optional<String> warmUpHttp2(Scenario scenario, PeerInstance peer, Duration duration) throws InterruptedException {
        Optional<Path> binary = H2Load.find();
        if (binary.isEmpty()) {
            return Optional.of("h2load not found");
        }
        long requests = Math.max(1, duration.toMillis() * WARM_UP_H2_REQUESTS_PER_SECOND / 1000);
        try {
            LoadResult r = H2Load.run(
                            binary.get(),
                            h2Spec(scenario, peer, Duration.ZERO, duration).counted(requests),
                            runDir.resolve("h2load").resolve(peer.name() + "-warm-up"))
                    .load();
            return r.errors().total() == 0 && r.requests() > 0
                    ? Optional.empty()
                    : Optional.of(
                            r.requests() + " answers, errors " + r.errors().describe());
        } catch (IOException | IllegalStateException e) {
            return Optional.of(e.getMessage());
        }
    }

    private H2LoadSpec h2Spec(Scenario scenario, PeerInstance peer, Duration warmup, Duration duration) {
        return new H2LoadSpec(
                peer.port(scenario.leg()),
                BenchPki.PROXY_NAME,
                scenario.workload().path(),
                options.h2Connections(),
                options.h2Streams(),
                options.loaderThreads(),
                warmup,
                duration,
                options.cpus().loader());
    }

    private LoadSpec.Builder spec(Scenario scenario, PeerInstance peer) {
        Workload w = scenario.workload();
        Optional<SslContext> context = tls.forInbound(scenario.leg().inbound(), w.clientProtocol());
        LoadSpec.Builder b = LoadSpec.builder(peer.port(scenario.leg()))
                .serverName(BenchPki.PROXY_NAME)
                .tls(context.orElse(null))
                .request(w.path(), w.bodyBytes())
                .warmup(options.warmup())
                .duration(options.duration())
                .requestTimeout(options.requestTimeout());
        switch (w) {
            case HANDSHAKE_TLS13, HANDSHAKE_TLS12 ->
                b.newConnectionPerRequest(true).connections(options.handshakeConnections());
            // One download can outlast a short row: no timed warm-up (the peer's warm-up phase did that), so the
            // first download already counts and the window stretches to its end.
            case STREAM -> b.connections(1).warmup(Duration.ZERO).requestTimeout(STREAM_TIMEOUT);
            case FIXED_RATE -> b.connections(options.rateConnections()).rate(options.rate());
            // The h2 row's shape (h2load's -c and -m), on a context that offers only h2 by ALPN.
            case H2_MTLS ->
                b.tls(tls.forHttp2(scenario.leg().inbound()))
                        .connections(options.h2Connections())
                        .http2(options.h2Streams());
            default -> b.connections(options.connections());
        }
        return b;
    }

    /**
     * Opens many mTLS connections, lets them sit, and divides the peer's RSS growth by their number. The peer's
     * RSS is read from /proc (VmRSS, its whole process tree) before and after.
     */
    private ResultRow idle(Scenario scenario, PeerInstance peer) throws InterruptedException {
        int count = Math.min(options.idleConnections(), Math.min(connectionBudget, peer.maxClientConnections()));
        Duration settle = options.quick() ? Duration.ofMillis(300) : Duration.ofSeconds(2);
        Thread.sleep(settle.toMillis());
        long before = peer.process().rssKib();
        Optional<SslContext> context = tls.forInbound(scenario.leg().inbound(), "TLSv1.3");
        long opening = System.nanoTime();
        try (IdleConnections idle = IdleConnections.open(
                loader, peer.port(scenario.leg()), BenchPki.PROXY_NAME, context, count, Duration.ofSeconds(30))) {
            double openSeconds = (System.nanoTime() - opening) / 1e9;
            Thread.sleep(settle.toMillis());
            long after = peer.process().rssKib();
            int held = idle.stillOpen();
            String opened = String.format(
                    java.util.Locale.ROOT,
                    "opened %d in %.1f s, RSS %d → %d KiB",
                    idle.established(),
                    openSeconds,
                    before,
                    after);
            ResultRow.Builder row = ResultRow.builder(peer.name(), scenario)
                    .errors(idle.errors().total(), idle.errors().describe())
                    .note(idle.lastError().isEmpty() ? opened : opened + "; " + idle.lastError());
            if (idle.established() == 0) {
                return row.failure("no idle connection could be established: " + idle.lastError())
                        .build();
            }
            row.idle(held, (after - before) / (double) idle.established());
            if (count < options.idleConnections()) {
                row.note(opened + "; asked for " + count + ", not " + options.idleConnections()
                        + ": the hard open-file limit (ulimit -Hn) allows no more for this peer");
            }
            return row.build();
        }
    }
}
