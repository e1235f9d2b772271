package io.mtlsproxy.bench.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench/soak}: minutes of mixed load with rotations, reloads and origin faults; exits 1 unless it passed. */
@Command(
        name = "bench/soak",
        mixinStandardHelpOptions = true,
        description = {
            "Soaks mtls-proxy: mixed mTLS load for minutes while server and upstream client "
                    + "certificates are renewed, the CRL re-signed, a route file added and removed and an origin "
                    + "endpoint stopped and restarted; then checks zero unexpected errors and flat heap, direct "
                    + "memory, file descriptors and threads.",
            "Writes bench/results/soak-<timestamp>.md and .json. Exit code 0: passed; 1: failed; 2: bad options."
        })
public final class SoakMain implements Callable<Integer> {
    @Option(
            names = "--duration",
            paramLabel = "D",
            description = "Length of the soak: 90s, 2m, 30m, 1h (default: 5m; overrides --minutes and --seconds).")
    String duration;

    @Option(names = "--minutes", paramLabel = "N", description = "Length of the soak in minutes (default: 5).")
    double minutes = 5;

    @Option(names = "--seconds", paramLabel = "S", description = "Length in seconds instead (overrides --minutes).")
    Double seconds;

    @Option(
            names = "--rotate-every",
            paramLabel = "S",
            description = "The proxy renews its server and upstream client certificates (local-ca issuers) about "
                    + "every S seconds: each is valid 2 S, at least 30 s (default: 30).")
    Double rotateEvery;

    @Option(names = "--crl-every", paramLabel = "S", description = "Re-sign the CRL every S seconds (default: 40).")
    Double crlEvery;

    @Option(
            names = "--route-edit-every",
            paramLabel = "S",
            description = "Add or remove a route file every S seconds (default: 20).")
    Double routeEditEvery;

    @Option(names = "--sighup-every", paramLabel = "S", description = "Send SIGHUP every S seconds (default: 45).")
    Double signalEvery;

    @Option(
            names = "--admin-reload-every",
            paramLabel = "S",
            description = "POST /reload every S seconds (default: 45).")
    Double adminReloadEvery;

    @Option(
            names = "--fault-every",
            paramLabel = "S",
            description = "Stop the faulty origin endpoint every S seconds, the first at S/2 (default: 60).")
    Double faultEvery;

    @Option(names = "--fault-for", paramLabel = "S", description = "For S seconds each time (default: 8).")
    Double faultFor;

    @Option(names = "--sample-every", paramLabel = "S", description = "Read the proxy every S seconds (default: 5).")
    Double sampleEvery;

    @Option(
            names = "--gc-every",
            paramLabel = "S",
            description = "Force a full GC in the proxy before a reading every S seconds (default: 15).")
    Double gcEvery;

    @Option(
            names = "--intensity",
            paramLabel = "X",
            description = "Divide every pause between requests by X (default: 1, about 400 requests/s at best).")
    Double intensity;

    @Option(names = "--out", description = "Results directory (default: bench/results).")
    Path out;

    @Option(names = "--repo", description = "Repository root (default: the current directory).")
    Path repo = Path.of("").toAbsolutePath();

    @Option(
            names = "--proxy-jar",
            description = "mtls-proxy's shaded jar (default: proxy-admin/target/mtls-proxy.jar).")
    Path proxyJar;

    @Option(names = "--proxy-jvm-opts", description = "Extra JVM options for mtls-proxy, space separated.")
    String proxyJvmOpts;

    @Option(names = "--keep-run-dir", description = "Keep the run directory (config, proxy log, throwaway PKI).")
    boolean keepRunDir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SoakMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        SoakOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            log(e.getMessage());
            return 2;
        }
        SoakReport report;
        try (Soak soak = new Soak(options, SoakMain::log)) {
            report = soak.run();
        }
        String markdown = SoakMarkdown.render(report);
        System.out.println();
        System.out.println(markdown);
        List<Path> files = SoakResults.write(report, markdown, options.outDir());
        log("saved " + files.get(0) + " and " + files.get(1));
        return report.passed() ? 0 : 1;
    }

    private SoakOptions options() {
        SoakOptions.Builder b = SoakOptions.defaults(repo);
        b.duration(
                duration != null
                        ? SoakOptions.parseDuration(duration)
                        : seconds(seconds != null ? seconds : minutes * 60));
        if (rotateEvery != null) {
            b.rotateEvery(seconds(rotateEvery));
        }
        if (crlEvery != null) {
            b.crlEvery(seconds(crlEvery));
        }
        if (routeEditEvery != null) {
            b.routeEditEvery(seconds(routeEditEvery));
        }
        if (signalEvery != null) {
            b.signalEvery(seconds(signalEvery));
        }
        if (adminReloadEvery != null) {
            b.adminReloadEvery(seconds(adminReloadEvery));
        }
        if (faultEvery != null) {
            b.faultEvery(seconds(faultEvery));
        }
        if (faultFor != null) {
            b.faultFor(seconds(faultFor));
        }
        if (sampleEvery != null) {
            b.sampleEvery(seconds(sampleEvery));
        }
        if (gcEvery != null) {
            b.gcEvery(seconds(gcEvery));
        }
        if (intensity != null) {
            b.intensity(intensity);
        }
        if (out != null) {
            b.outDir(out);
        }
        if (proxyJar != null) {
            b.proxyJar(proxyJar);
        }
        if (proxyJvmOpts != null && !proxyJvmOpts.isBlank()) {
            b.proxyJvmOptions(Arrays.asList(proxyJvmOpts.trim().split("\\s+")));
        }
        return b.keepRunDir(keepRunDir).build();
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }

    private static void log(String line) {
        System.err.println("soak: " + line);
    }
}
