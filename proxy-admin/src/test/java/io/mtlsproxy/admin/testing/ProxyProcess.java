package io.mtlsproxy.admin.testing;

import io.mtlsproxy.admin.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The proxy as operators run it ({@code run --config}), in its own JVM with this test's class path, its output
 * collected line by line. {@code shellLimits} (e.g. {@code "ulimit -n 256"}) run in a shell that then execs the
 * JVM, so the proxy starts under the machine's limits a test wants to press on.
 */
public final class ProxyProcess implements AutoCloseable {
    private static final Pattern ADMIN = Pattern.compile("admin endpoint on http://127\\.0\\.0\\.1:(\\d+)/");

    private final Process process;
    private final LinkedBlockingQueue<String> unread = new LinkedBlockingQueue<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private ProxyProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            unread.add(line);
                            lines.add(line);
                        }
                    } catch (IOException ignored) {
                        // the process ended
                    }
                },
                "proxy-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code run --config conf} with {@code jvmArgs}, under {@code shellLimits} when not null. */
    public static ProxyProcess start(Path conf, String shellLimits, String... jvmArgs) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "run",
                "--config",
                conf.toString()));
        if (shellLimits != null) {
            Path script = Files.writeString(conf.resolveSibling("run-limited.sh"), shellLimits + "\nexec \"$@\"\n");
            command.addAll(0, List.of("bash", script.toString()));
        }
        return new ProxyProcess(
                new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** {@code run --config FILE} as an operator runs it (signals reach it), with paranoid leak detection. */
    public static ProxyProcess run(Path config) throws IOException {
        return start(config, null, "-Dio.netty.leakDetection.level=paranoid", "-Xmx256m");
    }

    /** The admin port (logged before the listeners bind). */
    public int adminPort() throws InterruptedException {
        return Integer.parseInt(await(ADMIN).group(1));
    }

    /** The port of a listener, once it is bound. */
    public int listenerPort(String name) throws InterruptedException {
        return Integer.parseInt(
                await(Pattern.compile("listener " + Pattern.quote(name) + " bound on /127\\.0\\.0\\.1:(\\d+)"))
                        .group(1));
    }

    public void signal(String name) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .start()
                .waitFor();
        if (exit != 0) {
            throw new AssertionError("kill -" + name + " exited " + exit);
        }
    }

    /** The first line not yet awaited that matches, within 30 seconds. */
    public Matcher await(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String line = unread.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
        }
        throw new AssertionError("no log line like " + pattern + " in:\n" + output());
    }

    public Process process() {
        return process;
    }

    /** Every line so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    public String output() {
        return String.join("\n", lines);
    }

    /** CPU time the process used so far (user + system), from /proc, in milliseconds. */
    public long cpuMillis() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        return ticks * 10; // USER_HZ is 100 on Linux
    }

    /** Open file descriptors of the process, from /proc. */
    public int openFds() throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
