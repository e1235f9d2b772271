package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.process.ManagedProcess;
import io.mtlsproxy.bench.process.Ports;
import io.mtlsproxy.bench.process.ProcInfo;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One soak: makes the PKI, starts the origins (in this process) and mtls-proxy (a real process), runs the mixed
 * load for the whole duration while changes and origin faults are injected and the proxy is sampled, then stops
 * the load (letting requests in flight finish) and judges. Closing stops every process and thread it started and
 * deletes the run directory.
 */
public final class Soak implements AutoCloseable {
    /** After a fault ends, the proxy learns that the endpoint is back only by trying it again. */
    private static final Duration FAULT_GRACE = Duration.ofSeconds(2);

    private final SoakOptions options;
    private final Consumer<String> progress;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Path runDir;
    private ManagedProcess proxyProcess;

    public Soak(SoakOptions options, Consumer<String> progress) {
        this.options = requireNonNull(options, "options");
        this.progress = requireNonNull(progress, "progress");
    }

    public SoakReport run() throws Exception {
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        double loadStart = Sampler.loadAverage();
        runDir = Files.createTempDirectory("mtls-soak-");
        progress.accept("run directory " + runDir);
        SoakPki pki = SoakPki.create(runDir.resolve("pki"), options.renewalValidity());

        EventLoopGroup originLoops = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("soak-origin", true), NioIoHandler.newFactory());
        onClose(() -> originLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
        SslContext originTls = track(originContext(pki, false));
        SslContext originMtls = track(originContext(pki, true));
        SoakOrigin plain = track(SoakOrigin.start("plain origin", originLoops, Optional.empty(), Ports.free()));
        SoakOrigin tls = track(SoakOrigin.start("TLS origin", originLoops, Optional.of(originTls), Ports.free()));
        SoakOrigin mtls = track(SoakOrigin.start("mTLS origin", originLoops, Optional.of(originMtls), Ports.free()));
        SoakOrigin faulty = track(SoakOrigin.start(
                "faulty TLS endpoint", originLoops, Optional.of(originTls), StablePorts.belowEphemeralRange()));

        progress.accept("starting mtls-proxy");
        SoakProxy proxy = track(SoakProxy.start(
                options.proxyJar(),
                options.proxyJvmOptions(),
                runDir.resolve("mtls-proxy"),
                pki,
                new SoakProxy.OriginPorts(tls.port(), mtls.port(), faulty.port(), plain.port()),
                options.renewalValidity()));
        proxyProcess = proxy.process();
        PromText before = PromText.parse(proxy.metrics());

        List<Flow> flows = Flow.defaults(options.intensity());
        long start = System.nanoTime();
        FaultLog faults = new FaultLog(FAULT_GRACE);
        Outcomes outcomes = new Outcomes(flows, faults, start);
        Traffic traffic = track(new Traffic(pki, proxy.port(), flows, outcomes, options.loadThreads()));
        Sampler sampler = new Sampler(proxy, options.sampleEvery(), options.gcEvery(), start, progress);
        onClose(sampler::stopTimer);
        Map<ChangeInjector.Kind, Duration> periods = new EnumMap<>(ChangeInjector.Kind.class);
        periods.put(ChangeInjector.Kind.SERVER_CERT, options.rotateEvery());
        periods.put(ChangeInjector.Kind.UPSTREAM_CLIENT_CERT, options.rotateEvery());
        periods.put(ChangeInjector.Kind.CRL, options.crlEvery());
        periods.put(ChangeInjector.Kind.ROUTE_EDIT, options.routeEditEvery());
        periods.put(ChangeInjector.Kind.SIGHUP, options.signalEvery());
        periods.put(ChangeInjector.Kind.ADMIN_RELOAD, options.adminReloadEvery());
        ChangeInjector changes = new ChangeInjector(periods, pki, proxy, mtls, traffic, progress, start);
        FaultInjector faultInjector =
                new FaultInjector(faulty, faults, options.faultEvery(), options.faultFor(), progress, start);

        progress.accept(String.format(
                Locale.ROOT,
                "soaking for %d s: %d flows, %d connections",
                options.duration().toSeconds(),
                flows.size(),
                flows.stream().mapToInt(Flow::connections).sum()));
        traffic.start();
        sampler.start();
        changes.start();
        faultInjector.start();
        List<String> problems = new ArrayList<>();
        try {
            soak(start, proxy, outcomes);
        } finally {
            changes.close();
            faultInjector.close();
        }
        if (!traffic.stop(Traffic.REQUEST_TIMEOUT.plusSeconds(5))) {
            problems.add("the load did not drain: requests still in flight "
                    + Traffic.REQUEST_TIMEOUT.plusSeconds(5).toSeconds() + " s after the end");
        }
        double actual = (System.nanoTime() - start) / 1e9;
        sampler.close();
        if (!proxy.alive()) {
            problems.add("mtls-proxy died: " + proxy.exitReason());
        }
        PromText after = proxy.alive() ? PromText.parse(proxy.metrics()) : before;
        return SoakVerdict.report(new SoakVerdict.Inputs(
                startedAt,
                options,
                actual,
                loadStart,
                outcomes,
                changes.outcomes(),
                faults,
                faultInjector.problem(),
                sampler,
                before,
                after,
                problems));
    }

    /** Waits out the duration, saying how it goes every 30 s; stops early if the proxy dies. */
    private void soak(long start, SoakProxy proxy, Outcomes outcomes) throws InterruptedException {
        long end = start + options.duration().toNanos();
        long nextReport = start + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(500, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            if (!proxy.alive()) {
                progress.accept("mtls-proxy died: " + proxy.exitReason());
                return;
            }
            if (System.nanoTime() >= nextReport) {
                nextReport += Duration.ofSeconds(30).toNanos();
                long ok = outcomes.snapshot().stream()
                        .mapToLong(SoakReport.FlowOutcome::ok)
                        .sum();
                progress.accept(String.format(
                        Locale.ROOT,
                        "t+%.0fs %d requests ok, %d unexpected errors, " + "load average %.1f",
                        (System.nanoTime() - start) / 1e9,
                        ok,
                        outcomes.unexpectedTotal(),
                        Sampler.loadAverage()));
            }
        }
    }

    /** The origins' server context; the mTLS origin requires a client certificate from the origin CA. */
    private static SslContext originContext(SoakPki pki, boolean mutual) throws javax.net.ssl.SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(
                        pki.originCert().toFile(), pki.originKey().toFile())
                .sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.3", "TLSv1.2");
        if (mutual) {
            b.trustManager(pki.originCa().toFile()).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
    }

    /** Every process this soak started, with the children seen when it was stopped (tests check all are gone). */
    public List<ProcessHandle> startedProcesses() {
        return proxyProcess == null ? List.of() : proxyProcess.seenHandles();
    }

    private <T> T track(T resource) {
        if (resource instanceof AutoCloseable c) {
            toClose.add(c);
        } else if (resource instanceof ReferenceCounted r) {
            toClose.add(() -> ReferenceCountUtil.release(r));
        }
        return resource;
    }

    private void onClose(AutoCloseable action) {
        toClose.add(action);
    }

    /** Stops the proxy, the load, the origins (newest first), then deletes the run directory. */
    @Override
    public void close() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                progress.accept("while stopping: " + e);
            }
        }
        toClose.clear();
        if (runDir == null) {
            return;
        }
        if (options.keepRunDir()) {
            progress.accept("kept run directory " + runDir);
            return;
        }
        try (Stream<Path> files = Files.walk(runDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            progress.accept("could not delete " + runDir + ": " + e.getMessage());
        }
    }

    static String machine() {
        return ProcInfo.onlineCpus() + " cores online, " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    }
}
