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
}
