package io.mtlsproxy.bench;

import io.mtlsproxy.bench.process.Binaries;
import io.mtlsproxy.bench.process.CpuPlan;
import io.mtlsproxy.bench.process.ProcInfo;
import io.mtlsproxy.bench.report.BenchReport;
import io.mtlsproxy.bench.report.MarkdownTable;
import io.mtlsproxy.bench.report.ResultsWriter;
import io.mtlsproxy.bench.scenario.Scenarios;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench/run}: runs every scenario for every peer, prints the table, saves it under bench/results. */
@Command(
        name = "bench/run",
        mixinStandardHelpOptions = true,
        description = "Measures mtls-proxy, nginx and HAProxy on the same work in the same run.")
public final class BenchMain implements Callable<Integer> {
    @Option(
            names = "--quick",
            description = "Seconds, not minutes: proves the harness end to end; figures mean nothing.")
    boolean quick;

    @Option(names = "--duration", paramLabel = "S", description = "Measured seconds per row (full: 10, quick: 0.5).")
    Double duration;

    @Option(
            names = "--warmup",
            paramLabel = "S",
            description = "Warm-up seconds before each row (full: 2, quick: 0.2).")
    Double warmup;

    @Option(
            names = "--peers",
            split = ",",
            paramLabel = "P,...",
            description = "Peers to run: mtls-proxy, nginx, haproxy (same work as mtls-proxy: forwarded headers, "
                    + "XFCC), nginx-minimal, haproxy-minimal (no header added) (default: these five; --quick: the "
                    + "first three); also mtls-proxy-bare (request IDs and trace context off), mtls-proxy-rules "
                    + "(plus a request header rule) and mtls-proxy-ocsp (plus OCSP client checks, hard, against a "
                    + "local openssl ocsp responder: a warm cache after the first handshake).")
    List<String> peers;

    @Option(
            names = "--scenarios",
            paramLabel = "S,...",
            description = "Scenario ids, workload ids (small, 16k, handshake-tls13, handshake-tls12, stream-64m, "
                    + "fixed-rate, idle, h2, h2-mtls), 'all' or 'quick' (default: all; with --quick: quick).")
    String scenarios;

    @Option(names = "--connections", description = "Keep-alive connections of the closed-loop rows (full: 64).")
    Integer connections;

    @Option(
            names = "--handshake-connections",
            description = "Concurrent new connections of the handshake rows (full: 16).")
    Integer handshakeConnections;

    @Option(names = "--rate", description = "Requests per second of the open-loop fixed-rate row (full: 2000).")
    Double rate;

    @Option(names = "--idle-connections", description = "Idle mTLS connections held open (full: 10000).")
    Integer idleConnections;

    @Option(
            names = "--h2-connections",
            description = "HTTP/2 connections of the h2 and h2-mtls rows (h2load -c; full: 16).")
    Integer h2Connections;

    @Option(
            names = "--h2-streams",
            description = "Requests in flight per HTTP/2 connection, h2 and h2-mtls rows (h2load -m; full: 10).")
    Integer h2Streams;

    @Option(
            names = "--loader-cpus",
            description = "Cores of the load generator (taskset -c list; default: 0 on 2 cores).")
    String loaderCpus;

    @Option(names = "--peer-cpus", description = "Cores of the peer under test (default: 1 on 2 cores).")
    String peerCpus;

    @Option(names = "--origin-cpus", description = "Cores of the origin (default: 0 on 2 cores).")
    String originCpus;

    @Option(names = "--no-pin", description = "Do not pin the load generator (peers and origin are still pinned).")
    boolean noPin;

    @Option(names = "--out", description = "Results directory (default: bench/results, quick: bench/results/quick).")
    Path out;

    @Option(names = "--repo", description = "Repository root (default: the current directory).")
    Path repo = Path.of("").toAbsolutePath();

    @Option(
            names = "--proxy-jar",
            description = "mtls-proxy's shaded jar (default: proxy-admin/target/mtls-proxy.jar).")
    Path proxyJar;

    @Option(
            names = "--proxy-jvm-opts",
            description = "Extra JVM options for mtls-proxy, space separated, after " + "those of conf/jvm.options.")
    String proxyJvmOpts;

    @Option(names = "--nginx", description = "nginx binary (default: from PATH or /usr/sbin).")
    Path nginx;

    @Option(names = "--haproxy", description = "haproxy binary (default: from PATH or /usr/sbin).")
    Path haproxy;

    @Option(
            names = "--mtlsload",
            description = "mtlsload binary, the second load generator of the small-mtlsload row "
                    + "(default: ../shared/tools/mtlsload beside the repository).")
    Path mtlsload;

    @Option(names = "--keep-run-dir", description = "Keep the run directory (configs, logs, throwaway PKI).")
    boolean keepRunDir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        BenchOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            log(e.getMessage());
            return 2;
        }
        options.cpus().loader().ifPresent(BenchMain::pinSelf);
        log("load generator on cpus " + ProcInfo.allowedCpus() + ", peers on "
                + options.cpus().peer() + ", origin on " + options.cpus().origin() + "; ulimit -n "
                + ProcInfo.openFileLimits()[0]);
        BenchReport report;
        try (BenchRun run = new BenchRun(options, BenchMain::log)) {
            report = run.run();
        }
        String markdown = MarkdownTable.render(report);
        System.out.println();
        System.out.println(markdown);
        List<Path> files = ResultsWriter.write(report, markdown, options.outDir());
        log("saved " + files.get(0) + " and " + files.get(1) + " (and latest.md/latest.json)");
        long failed = report.rows().stream().filter(r -> !r.ok()).count();
        if (failed > 0) {
            log(failed + " of " + report.rows().size() + " rows failed; their reasons are in the table");
        }
        return 0;
    }

    private BenchOptions options() {
        BenchOptions.Builder b = quick ? BenchOptions.quick(repo) : BenchOptions.full(repo);
        int cores = ProcInfo.onlineCpus();
        CpuPlan defaults = CpuPlan.defaults(cores);
        CpuPlan plan = new CpuPlan(
                noPin
                        ? Optional.empty()
                        : Optional.of(
                                loaderCpus != null
                                        ? loaderCpus
                                        : defaults.loader().orElse("0")),
                peerCpus != null ? peerCpus : defaults.peer(),
                originCpus != null ? originCpus : defaults.origin());
        b.cpus(plan);
        if (duration != null) {
            b.duration(seconds(duration));
        }
        if (warmup != null) {
            b.warmup(seconds(warmup));
        }
        if (peers != null) {
            b.peers(peers);
        }
        if (scenarios != null) {
            b.scenarios(Scenarios.parse(scenarios));
        }
        if (connections != null) {
            b.connections(connections);
        }
        if (handshakeConnections != null) {
            b.handshakeConnections(handshakeConnections);
        }
        if (rate != null) {
            b.rate(rate);
        }
        if (idleConnections != null) {
            b.idleConnections(idleConnections);
        }
        if (h2Connections != null) {
            b.h2Connections(h2Connections);
        }
        if (h2Streams != null) {
            b.h2Streams(h2Streams);
        }
        if (out != null) {
            b.outDir(out);
        }
        if (proxyJar != null) {
            b.proxyJar(proxyJar);
        }
        if (proxyJvmOpts != null && !proxyJvmOpts.isBlank()) {
            b.addProxyJvmOptions(Arrays.asList(proxyJvmOpts.trim().split("\\s+")));
        }
        if (nginx != null) {
            b.nginx(nginx);
        }
        if (mtlsload != null) {
            b.mtlsload(mtlsload);
        }
        if (haproxy != null) {
            b.haproxy(haproxy);
        }
        return b.keepRunDir(keepRunDir).build();
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }

    /** Pins every thread of this JVM (and so every thread it starts later) to the load generator's cores. */
    private static void pinSelf(String cpus) {
        Optional<Path> taskset = Binaries.find("taskset");
        if (taskset.isEmpty()) {
            log("taskset not found: the load generator is not pinned");
            return;
        }
        try {
            Process p = new ProcessBuilder(
                            taskset.get().toString(),
                            "-a",
                            "-p",
                            "-c",
                            cpus,
                            Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                log("taskset -a -p -c " + cpus + " failed: the load generator is not pinned");
            }
        } catch (IOException e) {
            log("cannot pin the load generator: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void log(String line) {
        System.err.println("bench: " + line);
    }
}
