package io.mtlsproxy.bench.process;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A process the harness started (origin, nginx, HAProxy, mtls-proxy): pinned with {@code taskset}, output to a
 * log file in the run directory, stopped with its whole tree (SIGTERM, then SIGKILL) when closed. Every one is
 * registered with {@link Processes}, whose shutdown hook stops whatever is left if the harness dies.
 */
public final class ManagedProcess implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final String name;
    private final Process process;
    private final Path log;
    private final List<ProcessHandle> seen = new ArrayList<>();

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        seen.add(process.toHandle());
    }

    /**
     * Starts {@code command} in {@code workDir}, on the given cores when {@code cpus} is set. Output (stdout
     * and stderr) goes to {@code log}.
     */
    public static ManagedProcess start(String name, List<String> command, Optional<String> cpus, Path workDir, Path log)
            throws IOException {
        requireNonNull(name, "name");
        List<String> argv = new ArrayList<>();
        if (cpus.isPresent()) {
            Path taskset = Binaries.find("taskset")
                    .orElseThrow(() -> new IOException(
                            "taskset not found (expected: util-linux's taskset on PATH for CPU pinning)"));
            argv.addAll(List.of(taskset.toString(), "-c", cpus.get()));
        }
        argv.addAll(command);
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        ManagedProcess p = new ManagedProcess(name, pb.start(), log);
        Processes.register(p);
        return p;
    }

    public String name() {
        return name;
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Resident memory of the process and its children (KiB). */
    public long rssKib() {
        return ProcInfo.treeRssKib(process.toHandle());
    }

    /**
     * Waits until every port accepts connections. Fails with the log's last lines when the process exits
     * first, or when the timeout passes.
     */
    public void awaitPorts(List<Integer> ports, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Integer> pending = new ArrayList<>(ports);
        while (!pending.isEmpty()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(exitReason());
            }
            pending.removeIf(Ports::accepting);
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not accept on ports " + pending + " within "
                        + timeout.toSeconds() + "s; log: " + logTail(5));
            }
            sleep(50);
        }
    }

    /**
     * Waits for a process that ends by itself (a load tool): its exit code, or empty when it still runs after
     * {@code timeout} (the caller then closes it).
     */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(process.exitValue());
    }

    /** One line for a results table: how the process ended and what it said last. */
    public String exitReason() {
        String code = process.isAlive() ? "still running" : "exited with code " + process.exitValue();
        return name + " " + code + ": " + logTail(5);
    }

    /** The last lines of the process's output, joined with " / ". */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
            return tail.isEmpty() ? "(no output)" : String.join(" / ", tail).strip();
        } catch (IOException | java.io.UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Every process handle this one was seen with, children included (tests check all are gone). */
    public synchronized List<ProcessHandle> seenHandles() {
        return List.copyOf(seen);
    }

    /** SIGTERM to the process, then SIGKILL to it and every child still alive after the grace period. */
    @Override
    public void close() {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(process.toHandle());
        // Children first listed while the parent lives: nginx workers outlive a killed master otherwise.
        process.toHandle().descendants().forEach(tree::add);
        synchronized (this) {
            for (ProcessHandle h : tree) {
                if (!seen.contains(h)) {
                    seen.add(h);
                }
            }
        }
        process.toHandle().destroy();
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ProcessHandle h : tree) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    h.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (Exception e) {
                // fall through to SIGKILL
            }
        }
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        try {
            process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Processes.unregister(this);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a process", e);
        }
    }
}
