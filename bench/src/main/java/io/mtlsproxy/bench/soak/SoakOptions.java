package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything a soak is told: how long, how often each change and fault is injected, how often the proxy is read
 * and a full GC forced, how hard the load pushes, and where things are. {@link #defaults} is the 5-minute soak;
 * the builder changes single settings (the command line and the test use it).
 */
public record SoakOptions(
        Duration duration,
        Duration rotateEvery,
        Duration crlEvery,
        Duration routeEditEvery,
        Duration signalEvery,
        Duration adminReloadEvery,
        Duration faultEvery,
        Duration faultFor,
        Duration sampleEvery,
        Duration gcEvery,
        double intensity,
        int loadThreads,
        Path outDir,
        Path proxyJar,
        List<String> proxyJvmOptions,
        boolean keepRunDir) {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)([smh])");

    /** {@code issuers.NAME.validity}'s lower bound. */
    static final Duration MIN_VALIDITY = Duration.ofSeconds(30);

    public SoakOptions {
        positive("duration", duration);
        positive("rotate-every", rotateEvery);
        positive("crl-every", crlEvery);
        positive("route-edit-every", routeEditEvery);
        positive("sighup-every", signalEvery);
        positive("admin-reload-every", adminReloadEvery);
        positive("fault-every", faultEvery);
        positive("fault-for", faultFor);
        positive("sample-every", sampleEvery);
        positive("gc-every", gcEvery);
        if (faultFor.compareTo(faultEvery) >= 0) {
            throw new IllegalArgumentException("fault-for: " + faultFor.toSeconds() + " s (expected: shorter than "
                    + "fault-every, " + faultEvery.toSeconds() + " s)");
        }
        if (!(intensity > 0)) {
            throw new IllegalArgumentException("intensity: " + intensity + " (expected: > 0)");
        }
        if (loadThreads < 1) {
            throw new IllegalArgumentException("load-threads: " + loadThreads + " (expected: at least 1)");
        }
        requireNonNull(outDir, "outDir");
        requireNonNull(proxyJar, "proxyJar");
        proxyJvmOptions = List.copyOf(requireNonNull(proxyJvmOptions, "proxyJvmOptions"));
    }

    private static void positive(String name, Duration d) {
        requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }

    /** The settings as the report shows them. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("duration", seconds(duration));
        m.put(
                "server and upstream client certificates renewed by the proxy (local-ca issuer)",
                "valid " + seconds(renewalValidity()) + ", renew.before 50 %: about every " + seconds(rotateEvery));
        m.put("CRL re-sign every (file watch)", seconds(crlEvery));
        m.put("route file edit every (file watch)", seconds(routeEditEvery));
        m.put("SIGHUP every", seconds(signalEvery));
        m.put("POST /reload every", seconds(adminReloadEvery));
        m.put("origin fault every", seconds(faultEvery) + ", down for " + seconds(faultFor));
        m.put("sample every", seconds(sampleEvery) + ", full GC forced every " + seconds(gcEvery));
        m.put("load intensity", Double.toString(intensity));
        m.put("proxy JVM options", proxyJvmOptions.isEmpty() ? "(defaults)" : String.join(" ", proxyJvmOptions));
        return m;
    }

    /**
     * The lifetime the local-ca issuers give each certificate (also the first ones): with {@code renew.before =
     * "50%"} the proxy renews one about every {@code rotateEvery}. Never under the 30 s the configuration allows.
     */
    public Duration renewalValidity() {
        Duration twice = rotateEvery.multipliedBy(2);
        return twice.compareTo(MIN_VALIDITY) < 0 ? MIN_VALIDITY : twice;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    /** {@code 90s}, {@code 2m}, {@code 30m}, {@code 1h}, {@code 1.5m}: a length as {@code --duration} takes it. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "duration: \"" + text + "\" (expected: a number and s, m or h, e.g. 30m)");
        }
        double n = Double.parseDouble(m.group(1));
        long unitSeconds = switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            default -> 3600;
        };
        Duration d = Duration.ofMillis(Math.round(n * unitSeconds * 1000));
        if (d.isZero()) {
            throw new IllegalArgumentException("duration: \"" + text + "\" (expected: > 0)");
        }
        return d;
    }

    /** The 5-minute soak: a change every few seconds of the run, a fault a minute, a reading every 5 s. */
    public static Builder defaults(Path repoRoot) {
        return new Builder(repoRoot);
    }

    public static final class Builder {
        private Duration duration = Duration.ofMinutes(5);
        private Duration rotateEvery = Duration.ofSeconds(30);
        private Duration crlEvery = Duration.ofSeconds(40);
        private Duration routeEditEvery = Duration.ofSeconds(20);
        private Duration signalEvery = Duration.ofSeconds(45);
        private Duration adminReloadEvery = Duration.ofSeconds(45);
        private Duration faultEvery = Duration.ofSeconds(60);
        private Duration faultFor = Duration.ofSeconds(8);
        private Duration sampleEvery = Duration.ofSeconds(5);
        private Duration gcEvery = Duration.ofSeconds(15);
        private double intensity = 1.0;
        private int loadThreads = 2;
        private Path outDir;
        private Path proxyJar;
        private List<String> proxyJvmOptions = List.of();
        private boolean keepRunDir;

        private Builder(Path repoRoot) {
            this.outDir = repoRoot.resolve("bench/results");
            this.proxyJar = repoRoot.resolve("proxy-admin/target/mtls-proxy.jar");
        }

        public Builder duration(Duration d) {
            this.duration = d;
            return this;
        }

        public Builder rotateEvery(Duration d) {
            this.rotateEvery = d;
            return this;
        }

        public Builder crlEvery(Duration d) {
            this.crlEvery = d;
            return this;
        }

        public Builder routeEditEvery(Duration d) {
            this.routeEditEvery = d;
            return this;
        }

        public Builder signalEvery(Duration d) {
            this.signalEvery = d;
            return this;
        }

        public Builder adminReloadEvery(Duration d) {
            this.adminReloadEvery = d;
            return this;
        }

        public Builder faultEvery(Duration d) {
            this.faultEvery = d;
            return this;
        }

        public Builder faultFor(Duration d) {
            this.faultFor = d;
            return this;
        }

        public Builder sampleEvery(Duration d) {
            this.sampleEvery = d;
            return this;
        }

        public Builder gcEvery(Duration d) {
            this.gcEvery = d;
            return this;
        }

        public Builder intensity(double intensity) {
            this.intensity = intensity;
            return this;
        }

        public Builder loadThreads(int threads) {
            this.loadThreads = threads;
            return this;
        }

        public Builder outDir(Path dir) {
            this.outDir = dir;
            return this;
        }

        public Builder proxyJar(Path jar) {
            this.proxyJar = jar;
            return this;
        }

        public Builder proxyJvmOptions(List<String> options) {
            this.proxyJvmOptions = options;
            return this;
        }

        public Builder keepRunDir(boolean keep) {
            this.keepRunDir = keep;
            return this;
        }

        public SoakOptions build() {
            return new SoakOptions(
                    duration,
                    rotateEvery,
                    crlEvery,
                    routeEditEvery,
                    signalEvery,
                    adminReloadEvery,
                    faultEvery,
                    faultFor,
                    sampleEvery,
                    gcEvery,
                    intensity,
                    loadThreads,
                    outDir,
                    proxyJar,
                    proxyJvmOptions,
                    keepRunDir);
        }
    }
}
