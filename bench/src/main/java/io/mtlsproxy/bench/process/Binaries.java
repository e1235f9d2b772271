package io.mtlsproxy.bench.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds the external programs the harness starts: on PATH, then in /usr/sbin (where nginx and HAProxy live). */
public final class Binaries {
    private Binaries() {}

    public static Optional<Path> find(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : (path + ":/usr/sbin:/usr/local/sbin:/sbin").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The given path when it is an executable file, else the reason it cannot be used. */
    public static Path require(Path binary, String what) {
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
            throw new IllegalStateException(what + ": " + binary + " is not an executable file");
        }
        return binary;
    }
}
