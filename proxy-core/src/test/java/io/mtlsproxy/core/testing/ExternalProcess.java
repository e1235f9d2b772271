package io.mtlsproxy.core.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the operating system's tools (curl, openssl, nginx) from tests; binaries are found on PATH or in /usr/sbin. */
public final class ExternalProcess {
    private ExternalProcess() {}

    /** The absolute path of a binary, or the bare name (and then the test fails with a clear message). */
    public static String binary(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/usr/local/sbin";
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return name;
    }

    /** The result of a finished command. */
    public record Result(int exitCode, String stdout, String stderr) {}

    /** Runs a command to completion with {@code stdin} as its input. */
    public static Result run(List<String> command, String stdin, long timeoutSeconds)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.ISO_8859_1));
        }
        p.getOutputStream().close();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        byte[][] captured = new byte[2][];
        Thread errReader = new Thread(() -> {
            try {
                captured[1] = err.readAllBytes();
            } catch (IOException e) {
                captured[1] = new byte[0];
            }
        });
        errReader.start();
        captured[0] = out.readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command.get(0) + " did not finish in " + timeoutSeconds + " s");
        }
        errReader.join();
        return new Result(
                p.exitValue(),
                new String(captured[0], StandardCharsets.UTF_8),
                new String(captured[1], StandardCharsets.UTF_8));
    }
}
