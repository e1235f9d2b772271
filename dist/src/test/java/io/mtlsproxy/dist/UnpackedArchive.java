package io.mtlsproxy.dist;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.testing.ExternalProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The release archive built by this same {@code mvn verify} (dist/target/mtls-proxy-VERSION.tar.gz), unpacked in an
 * empty directory, and its launcher started the way an operator would on a host without Maven: PATH holds only
 * the few tools the launcher itself uses, JAVA_HOME names the runtime, the working directory is outside any source
 * tree.
 */
final class UnpackedArchive {
    static final String VERSION = System.getProperty("mtlsproxy.version");
    /** What the launcher runs besides java: bash (for env), dirname, readlink. */
    private static final List<String> LAUNCHER_TOOLS = List.of("bash", "dirname", "readlink");

    /** The shipped jvm.options sizes the heap for production; these JVMs share a 2-core CI machine. */
    static final String SMALL_JVM = "-Xms64m -Xmx256m -XX:TieredStopAtLevel=1";

    final Path home;
    private final Path path;

    private UnpackedArchive(Path home, Path path) {
        this.home = home;
        this.path = path;
    }

    static Path archive() {
        Path archive = Path.of(System.getProperty("mtlsproxy.archive", "missing"));
        assertTrue(Files.isRegularFile(archive), "built by mvn package: " + archive);
        return archive;
    }

    static UnpackedArchive unpack(Path dir) throws IOException, InterruptedException {
        Path into = Files.createDirectories(dir.resolve("install"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive().toString(), "-C", into.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar: " + out);
        Path home = into.resolve("mtls-proxy-" + VERSION);
        assertTrue(Files.isDirectory(home), "the archive unpacks into mtls-proxy-" + VERSION + "/");

        return new UnpackedArchive(home, toolDirectory(dir.resolve("path"), LAUNCHER_TOOLS));
    }

    /** A directory of links to these tools, to be a launcher's whole {@code PATH}. */
    static Path toolDirectory(Path dir, List<String> tools) throws IOException {
        Path path = Files.createDirectories(dir);
        for (String tool : tools) {
            Files.createSymbolicLink(path.resolve(tool), Path.of(ExternalProcess.binary(tool)));
        }
        return path;
    }

    /** bin/mtls-proxy with {@code args}, from {@code workDir}, with only {@link #LAUNCHER_TOOLS} on PATH. */
    ProcessBuilder launcher(Path workDir, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/mtls-proxy").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        Map<String, String> e = pb.environment();
        e.clear();
        e.put("PATH", path.toString());
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("HOME", workDir.toString());
        e.put("MTLS_PROXY_JAVA_OPTS", SMALL_JVM);
        e.putAll(env);
        assertFalse(Files.exists(path.resolve("mvn")), "no Maven on PATH");
        return pb;
    }

    record Result(int exit, String stdout, String stderr) {}

    /** Runs a command that ends by itself. */
    Result run(Path workDir, String... args) throws IOException, InterruptedException {
        return run(workDir, Map.of(), args);
    }

    /** Runs a command that ends by itself, with these environment variables set or replaced. */
    Result run(Path workDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = launcher(workDir, env, args)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/mtls-proxy " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
