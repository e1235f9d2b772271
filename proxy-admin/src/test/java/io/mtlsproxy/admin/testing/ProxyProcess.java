package io.mtlsproxy.admin.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.mtlsproxy.admin.Main;

/**
 * {@code run --config FILE} in its own JVM, as an operator runs it (signals reach it), with paranoid leak
 * detection; its output is read line by line so that a test can wait for a log line.
 */
public final class ProxyProcess implements AutoCloseable {
    private static final Pattern ADMIN = Pattern.compile("admin endpoint on http://127\\.0\\.0\\.1:(\\d+)/");

    private final Process process;
    private final LinkedBlockingQueue<String> unread = new LinkedBlockingQueue<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private ProxyProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    unread.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "proxy-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    public static ProxyProcess run(Path config) throws IOException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        return new ProxyProcess(new ProcessBuilder(java, "-Dio.netty.leakDetection.level=paranoid", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config",
                config.toString()).redirectErrorStream(true).start());
    }

    /** The admin port (logged before the listeners bind). */
    public int adminPort() throws InterruptedException {
        return Integer.parseInt(await(ADMIN).group(1));
    }

    /** The port of a listener, once it is bound. */
    public int listenerPort(String name) throws InterruptedException {
        return Integer.parseInt(await(Pattern.compile("listener " + Pattern.quote(name)
                + " bound on /127\\.0\\.0\\.1:(\\d+)")).group(1));
    }

    /** Waits (up to 30 s) for the next log line matching {@code pattern}. */
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

    public void signal(String name) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
        if (exit != 0) {
            throw new AssertionError("kill -" + name + " exited " + exit);
        }
    }

    public Process process() {
        return process;
    }

    public String output() {
        return String.join("\n", lines);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
