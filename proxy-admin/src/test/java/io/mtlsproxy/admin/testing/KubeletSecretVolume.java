package io.mtlsproxy.admin.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Secret volume laid out exactly as the kubelet's atomic writer makes it:
 * <pre>
 *   DIR/..2026_12_07_11_25_00.000000001/tls.crt    the payload, in a timestamped directory
 *   DIR/..data -> ..2026_12_07_11_25_00.000000001  one symlink names the current payload
 *   DIR/tls.crt -> ..data/tls.crt                  each key is a symlink through ..data
 * </pre>
 * An update writes a new timestamped directory, points a {@code ..data_tmp} symlink at it, renames that over
 * {@code ..data} (the one atomic step) and removes the old directory: no file the proxy names is ever written
 * or renamed itself, so only a watch that follows the symlinks sees the change.
 */
public final class KubeletSecretVolume {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Path dir;
    private Path current;

    private KubeletSecretVolume(Path dir) {
        this.dir = dir;
    }

    /** Mounts the first payload: key name → the file to copy in. */
    public static KubeletSecretVolume mount(Path dir, Map<String, Path> payload) throws IOException {
        Files.createDirectories(dir);
        KubeletSecretVolume volume = new KubeletSecretVolume(dir);
        volume.current = volume.writePayload(payload);
        Files.createSymbolicLink(dir.resolve("..data"), volume.current.getFileName());
        for (String key : payload.keySet()) {
            Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
        }
        return volume;
    }

    /** What the kubelet does when the Secret changed (cert-manager renewed the certificate). */
    public void update(Map<String, Path> payload) throws IOException {
        Path next = writePayload(payload);
        Path tmp = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, next.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (var files = Files.list(current)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(current);
        current = next;
    }

    public Path dir() {
        return dir;
    }

    private Path writePayload(Map<String, Path> payload) throws IOException {
        Path ts = dir.resolve(
                ".." + LocalDateTime.now().format(STAMP) + "." + String.format("%09d", SEQUENCE.incrementAndGet()));
        Files.createDirectory(ts);
        for (Map.Entry<String, Path> e : payload.entrySet()) {
            Files.copy(e.getValue(), ts.resolve(e.getKey()));
        }
        return ts;
    }
}
