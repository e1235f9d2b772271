package io.mtlsproxy.core.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class FileWatcherTest {
    @TempDir
    Path dir;

    private final LinkedBlockingQueue<String> changes = new LinkedBlockingQueue<>();

    private FileWatcher watch(List<Path> files, Optional<Path> routesDir) {
        return new FileWatcher(() -> files, () -> routesDir, Duration.ofMillis(50), () -> changes.add("changed"));
    }

    @Test
    void a_file_replaced_by_rename_is_a_change_and_an_untouched_set_is_not() throws Exception {
        Path cert = Files.writeString(dir.resolve("server.crt"), "old");
        try (FileWatcher w = watch(List.of(cert), Optional.empty())) {
            assertEquals(null, changes.poll(300, TimeUnit.MILLISECONDS), "nothing changed yet");
            Path tmp = Files.writeString(dir.resolve(".server.crt.tmp"), "new certificate");
            Files.move(tmp, cert, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertEquals("changed", changes.poll(5, TimeUnit.SECONDS));
            assertEquals(null, changes.poll(300, TimeUnit.MILLISECONDS), "one change, one callback");
        }
    }

    @Test
    void a_route_file_added_to_the_routes_directory_is_a_change() throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes.d"));
        Files.writeString(routes.resolve("a.conf"), "routes = []");
        try (FileWatcher w = watch(List.of(), Optional.of(routes))) {
            Files.writeString(routes.resolve("notes.txt"), "not a route file");
            assertEquals(null, changes.poll(300, TimeUnit.MILLISECONDS), "only *.conf files count");
            Files.writeString(routes.resolve("b.conf"), "routes = []");
            assertEquals("changed", changes.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void a_removed_file_is_a_change() throws Exception {
        Path key = Files.writeString(dir.resolve("server.key"), "k");
        try (FileWatcher w = watch(List.of(key), Optional.empty())) {
            Files.delete(key);
            assertTrue(changes.poll(5, TimeUnit.SECONDS) != null);
        }
    }

    @Test
    void a_file_changed_while_the_reload_reads_is_seen_at_the_next_poll() throws Exception {
        Path cert = Files.writeString(dir.resolve("server.crt"), "new certificate");
        Path key = Files.writeString(dir.resolve("server.key"), "old key");
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        try (FileWatcher w = new FileWatcher(() -> List.of(cert, key), Optional::empty, Duration.ofMillis(50), () -> {
            if (calls.incrementAndGet() == 1) {
                try { // the second half of the pair lands while the first reload runs
                    Path tmp = Files.writeString(dir.resolve(".server.key.tmp"), "new key");
                    Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            changes.add("changed");
        })) {
            Files.writeString(cert, "newer certificate");
            assertEquals("changed", changes.poll(5, TimeUnit.SECONDS));
            assertEquals("changed", changes.poll(5, TimeUnit.SECONDS), "the key written during the reload");
            assertEquals(null, changes.poll(300, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void a_route_file_added_while_the_reload_reads_is_seen_at_the_next_poll() throws Exception {
        // found by bench/soak: a renewal's certificate write started a reload, and a route file dropped in during
        // it was taken as already loaded, so the route never appeared
        Path routes = Files.createDirectories(dir.resolve("routes.d"));
        Path cert = Files.writeString(dir.resolve("server.crt"), "certificate");
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        try (FileWatcher w =
                new FileWatcher(() -> List.of(cert), () -> Optional.of(routes), Duration.ofMillis(50), () -> {
                    if (calls.incrementAndGet() == 1) {
                        try {
                            Files.writeString(routes.resolve("extra.conf"), "routes = []");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                    changes.add("changed");
                })) {
            Files.writeString(cert, "renewed certificate");
            assertEquals("changed", changes.poll(5, TimeUnit.SECONDS));
            assertEquals("changed", changes.poll(5, TimeUnit.SECONDS), "the route file added during the reload");
            assertEquals(null, changes.poll(300, TimeUnit.MILLISECONDS), "and then it is settled");
        }
    }

    @Test
    void a_pair_written_back_to_back_is_one_change() throws Exception {
        Path cert = Files.writeString(dir.resolve("server.crt"), "old certificate");
        Path key = Files.writeString(dir.resolve("server.key"), "old key");
        // settle time 150 ms: far longer than the gap between the two renames, even on a busy machine
        try (FileWatcher w = new FileWatcher(
                () -> List.of(cert, key), Optional::empty, Duration.ofMillis(300), () -> changes.add("changed"))) {
            for (int round = 0; round < 2; round++) {
                Path tmpKey = Files.writeString(dir.resolve(".k.tmp"), "key " + round);
                Files.move(tmpKey, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Path tmpCert = Files.writeString(dir.resolve(".c.tmp"), "certificate " + round);
                Files.move(tmpCert, cert, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                assertEquals("changed", changes.poll(5, TimeUnit.SECONDS));
                assertEquals(null, changes.poll(200, TimeUnit.MILLISECONDS), "one change for the pair");
            }
        }
    }

    @Test
    void a_kubernetes_secret_volume_update_is_a_change() throws Exception {
        // kubelet (cert-manager's secrets) writes a new timestamped directory, then renames the ..data symlink
        // over the old one; tls.crt -> ..data/tls.crt never changes, its target does
        Path v1 = Files.createDirectories(dir.resolve("..2026_01_01_v1"));
        Files.writeString(v1.resolve("tls.crt"), "certificate v1");
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path cert = Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        try (FileWatcher w = watch(List.of(cert), Optional.empty())) {
            Path v2 = Files.createDirectories(dir.resolve("..2026_02_01_v2"));
            Files.writeString(v2.resolve("tls.crt"), "certificate v2");
            Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
            Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertEquals("changed", changes.poll(5, TimeUnit.SECONDS));
        }
    }
}
