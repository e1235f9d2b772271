package io.mtlsproxy.admin.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External programs the tests drive (promtool, prometheus), found on PATH, and the repository root. */
public final class Tools {
    private Tools() {}

    /** An executable on PATH or in /usr/sbin; fails the test (CI installs it) when absent. */
    public static Path binary(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/bin";
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return Path.of(d, name);
            }
        }
        throw new AssertionError(name + " not found on PATH or in /usr/sbin (CI installs it with .ci/run)");
    }

    /** The repository root: the nearest ancestor of the module directory that holds {@code conf/}. */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("conf")) && Files.exists(d.resolve("pom.xml"))) {
                return d;
            }
        }
        throw new AssertionError("no repository root (a directory with conf/ and pom.xml) above " + dir);
    }

    /** What a finished program said and how it exited. */
    public record Result(int exit, String output) {}

    /** Runs a command with {@code stdin} as its input, stderr merged into the output, within 60 seconds. */
    public static Result run(String stdin, List<String> command) {
        return run(stdin, command, null);
    }

    /** As {@link #run(String, List)}, in the working directory {@code dir} (null: this process's). */
    public static Result run(String stdin, List<String> command, Path dir) {
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir == null ? null : dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within 60s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
