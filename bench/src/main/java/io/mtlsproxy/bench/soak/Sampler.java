package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.process.ProcInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads the proxy every {@code every}: heap, Netty's direct memory and the JVM's direct buffers, threads and the
 * reload counters from {@code /metrics}; open descriptors and resident memory from {@code /proc}. Every
 * {@code gcEvery} it first forces a full GC ({@link SoakProxy#forceGc}), so that those readings show the live heap
 * rather than the collector's schedule. The first failure to force a GC is kept and reported.
 */
final class Sampler implements AutoCloseable {
    private static final double MIB = 1024.0 * 1024.0;

    private final SoakProxy proxy;
    private final Duration every;
    private final Duration gcEvery;
    private final long startNanos;
    private final Consumer<String> log;
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "soak-sampler");
        t.setDaemon(true);
        return t;
    });
    private long lastGc = Long.MIN_VALUE;
    private String gcProblem = "";
    private String readProblem = "";

    Sampler(SoakProxy proxy, Duration every, Duration gcEvery, long startNanos, Consumer<String> log) {
        this.proxy = requireNonNull(proxy, "proxy");
        this.every = requireNonNull(every, "every");
        this.gcEvery = requireNonNull(gcEvery, "gcEvery");
        this.startNanos = startNanos;
        this.log = requireNonNull(log, "log");
    }

    void start() {
        timer.scheduleAtFixedRate(this::sampleQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the timer and takes one last reading after a forced GC. */
    @Override
    public void close() throws InterruptedException {
        stopTimer();
        if (proxy.alive()) {
            sample(true);
        }
    }

    void stopTimer() throws InterruptedException {
        timer.shutdown();
        timer.awaitTermination(60, TimeUnit.SECONDS);
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    synchronized String gcProblem() {
        return gcProblem;
    }

    synchronized String readProblem() {
        return readProblem;
    }

    private void sampleQuietly() {
        try {
            long now = System.nanoTime();
            boolean gc = lastGc == Long.MIN_VALUE || now - lastGc >= gcEvery.toNanos() - every.toNanos() / 2;
            sample(gc);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            synchronized (this) {
                readProblem = e.toString();
            }
        }
    }

    private synchronized void sample(boolean gc) throws InterruptedException {
        if (!proxy.alive()) {
            return;
        }
        boolean collected = false;
        if (gc && gcProblem.isEmpty()) {
            lastGc = System.nanoTime();
            Optional<String> problem = proxy.forceGc();
            collected = problem.isEmpty();
            if (problem.isPresent()) {
                gcProblem = problem.get();
                log.accept("cannot force a GC in the proxy, the heap series is judged without it: " + gcProblem);
            }
        }
        PromText m;
        try {
            m = PromText.parse(proxy.metrics());
        } catch (IOException e) {
            readProblem = "GET /metrics: " + e.getMessage();
            return;
        }
        long pid = proxy.pid();
        Double heap = mib(m.sum("jvm_memory_used_bytes", "area", "heap"));
        samples.add(new Sample(
                (System.nanoTime() - startNanos) / 1e9,
                heap,
                collected ? heap : null,
                mib(m.sum("netty_allocator_memory_used", "memory_type", "direct")),
                mib(m.sum("jvm_buffer_memory_used_bytes", "id", "direct")),
                openFds(pid),
                value(m.sum("jvm_threads_live_threads")),
                ProcInfo.rssKib(pid) / 1024.0,
                value(m.sum("mtls_proxy_config_reloads_total", "result", "success")),
                value(m.sum("mtls_proxy_config_reloads_total", "result", "failure")),
                loadAverage()));
    }

    private static Double mib(double bytes) {
        return Double.isNaN(bytes) ? null : bytes / MIB;
    }

    private static Double value(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static Long openFds(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The 1-minute load average of the machine ({@code /proc/loadavg}); NaN off Linux. */
    static double loadAverage() {
        try {
            return Double.parseDouble(
                    Files.readAllLines(Path.of("/proc/loadavg")).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
