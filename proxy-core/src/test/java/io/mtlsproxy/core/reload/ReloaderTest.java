package io.mtlsproxy.core.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ReloadConfig;
import io.mtlsproxy.core.ProxyServer;
import io.mtlsproxy.core.reload.Reloader.Trigger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The reload thread: one reload at a time, bursts joined, results reported, reload settings followed. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReloaderTest {
    static final String CONFIG = """
            admin { port = 0 }
            access-log = off
            reload { watch = %s, interval = 1s }
            listeners = [{ name = plain, bind = "127.0.0.1", port = 0 }]
            """;

    @TempDir
    Path dir;

    Path file;
    ProxyServer proxy;
    Reloader reloader;
    final LinkedBlockingQueue<ReloadResult> results = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        file = Files.writeString(dir.resolve("proxy.conf"), CONFIG.formatted("true"));
        proxy = ProxyServer.builder().build();
        proxy.start(ConfigLoader.load(file));
    }

    @AfterEach
    void stop() {
        if (reloader != null) {
            reloader.close();
        }
        proxy.close();
    }

    @Test
    void requestsMadeWhileAReloadWaitsJoinIt() throws Exception {
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        reloader = Reloader.start(proxy, file, new ReloadConfig(false, Duration.ofSeconds(1)), r -> {
            inFirst.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            results.add(r);
        });
        CompletableFuture<ReloadResult> first = reloader.request(Trigger.SIGNAL);
        assertTrue(inFirst.await(5, TimeUnit.SECONDS));
        CompletableFuture<ReloadResult> second = reloader.request(Trigger.FILE_CHANGE);
        CompletableFuture<ReloadResult> third = reloader.request(Trigger.ADMIN);
        assertSame(second, third, "a burst waiting behind a running reload is one reload");
        release.countDown();
        assertTrue(first.get(5, TimeUnit.SECONDS).ok());
        assertTrue(third.get(5, TimeUnit.SECONDS).ok());
        assertEquals(2, results.size());
        assertEquals(
                2.0,
                proxy.metrics()
                        .registry()
                        .get("mtls_proxy_config_reloads")
                        .tag("result", "success")
                        .counter()
                        .count());
    }

    @Test
    void theAdminViewReloadsOnTheReloadThreadAndAClosedReloaderRefuses() {
        reloader = Reloader.start(proxy, file, new ReloadConfig(false, Duration.ofSeconds(1)), results::add);
        ServerView view = proxy.view();
        view.attach(reloader);
        ReloadResult r = view.reload();
        assertTrue(r.ok(), r::toString);
        assertEquals(List.of(), r.changed());
        assertEquals(List.of(r), List.copyOf(results));
        assertTrue(view.ready());
        reloader.close();
        CompletionException e = assertThrows(CompletionException.class, () -> reloader.reload(Trigger.SIGNAL));
        assertTrue(e.getMessage().contains("closed"), e::getMessage);
    }

    /** The admin endpoint's view exists before its server binds (/readyz 503), and takes a reloader later. */
    @Test
    void aServerViewAnswersBeforeTheServerStartsAndReloadsOnTheReloaderOnceAttached() throws Exception {
        try (ProxyServer later = ProxyServer.builder().build()) {
            ServerView view = later.view();
            assertFalse(view.ready(), "not ready before the listeners are bound");
            assertEquals(List.of(), view.certificates());
            assertEquals(List.of(), view.crls());
            later.start(ConfigLoader.load(file));
            assertTrue(view.ready());
            List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
            reloader = Reloader.start(
                    later,
                    file,
                    new ReloadConfig(false, Duration.ofSeconds(1)),
                    r -> threads.add(Thread.currentThread().getName()));
            view.attach(reloader);
            assertTrue(view.reload().ok());
            assertEquals(List.of("config-reload"), threads, "POST /reload runs on the reload thread");
            reloader.close();
            reloader = null;
        }
    }

    @Test
    void aReloadThatTurnsWatchingOffStopsTheWatcher() throws Exception {
        reloader = Reloader.start(proxy, file, proxy.snapshot().config().reload(), results::add);
        assertTrue(reloader.watcher().isPresent());
        Files.writeString(file, CONFIG.formatted("false"));
        assertTrue(reloader.reload(Trigger.SIGNAL).ok());
        assertFalse(reloader.watcher().isPresent());
    }
}
