package io.mtlsproxy.core.reload;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ReloadConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every reload of one proxy on one thread, whatever asked for it: a watched file that changed
 * ({@code reload.watch}), SIGHUP, {@code POST /reload} or a renewed certificate. Each reload re-reads the
 * configuration file and every file it names, through the one way in, {@link Reloadable#reload(ConfigSource)},
 * which swaps the whole snapshot or keeps the running one. One thread means two triggers never race: a reload
 * always applies the files as they were when it began, and no older read can overwrite a newer one. Requests
 * that arrive while another reload waits to start join it (a burst of file writes, or a SIGHUP during a watch
 * poll, is one reload).
 *
 * <p>Use: {@code Reloader r = Reloader.start(server, configFile, config.reload(), result -> inventory.refresh());}
 * then {@code r.request(Trigger.SIGNAL)} from the SIGHUP handler, {@code server.view().attach(r)} so that the
 * admin endpoint's {@code POST /reload} runs here too ({@link ServerView}), and {@code r.close()} before the
 * server closes.
 */
public final class Reloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

    /** What asked for a reload; named in the log. */
    public enum Trigger {
        FILE_CHANGE("a watched file changed"),
        SIGNAL("SIGHUP"),
        ADMIN("POST /reload"),
        RENEWAL("a certificate was renewed"),
        API("a direct call");

        private final String description;

        Trigger(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private final Reloadable server;
    private final Path configFile;
    private final Consumer<ReloadResult> onResult;
    private final ExecutorService thread;
    /** guarded by this: the reload that was asked for and has not started yet, and who asked */
    private CompletableFuture<ReloadResult> pending;

    private final Set<Trigger> pendingTriggers = new LinkedHashSet<>();
    /** guarded by this */
    private FileWatcher watcher;
    /** guarded by this: the configuration's own {@code reload} settings when the watcher was last (re)started */
    private ReloadConfig configured;

    private boolean closed;

    private Reloader(Reloadable server, Path configFile, Consumer<ReloadResult> onResult) {
        this.server = server;
        this.configFile = configFile; // as given: error messages name it the way the operator did
        this.onResult = onResult;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "config-reload");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts reloading {@code server} (already started) from {@code configFile}. With {@code settings.watch()},
     * the configuration file, every file it names and the {@code *.conf} of its routes directory are polled every
     * {@code settings.interval()}; a later reload that changes the configuration's own {@code reload} block
     * restarts the watcher with it. {@code onResult} sees every reload's result on the reload thread (refresh
     * the certificate inventory there); it must not block for long.
     */
    public static Reloader start(
            Reloadable server, Path configFile, ReloadConfig settings, Consumer<ReloadResult> onResult) {
        requireNonNull(server, "server");
        requireNonNull(configFile, "configFile");
        requireNonNull(settings, "settings");
        requireNonNull(onResult, "onResult");
        if (server.snapshot() == null) {
            throw new IllegalStateException("start the proxy server before its reloader");
        }
        Reloader reloader = new Reloader(server, configFile, onResult);
        synchronized (reloader) {
            reloader.configured = server.snapshot().config().reload();
            reloader.watch(settings);
        }
        return reloader;
    }

    /**
     * Asks for a reload and returns at once; the future completes with its result (never exceptionally, unless
     * this reloader is closed). For SIGHUP handlers and other callers that must not wait.
     */
    public synchronized CompletableFuture<ReloadResult> request(Trigger trigger) {
        requireNonNull(trigger, "trigger");
        if (closed) {
            return CompletableFuture.failedFuture(new RejectedExecutionException("reloader closed"));
        }
        pendingTriggers.add(trigger);
        if (pending != null) {
            return pending;
        }
        CompletableFuture<ReloadResult> next = new CompletableFuture<>();
        pending = next;
        try {
            thread.execute(() -> run(next));
        } catch (RejectedExecutionException e) {
            pending = null;
            next.completeExceptionally(e);
        }
        return next;
    }

    /** Asks for a reload and waits for its result. */
    public ReloadResult reload(Trigger trigger) {
        return request(trigger).join();
    }

    private void run(CompletableFuture<ReloadResult> future) {
        List<Trigger> triggers;
        synchronized (this) {
            pending = null;
            triggers = new ArrayList<>(pendingTriggers);
            pendingTriggers.clear();
        }
        LOG.info(
                "reloading {} ({})",
                configFile,
                String.join(", ", triggers.stream().map(Trigger::toString).toList()));
        ReloadResult result;
        try {
            result = server.reload(() -> ConfigLoader.load(configFile));
        } catch (RuntimeException e) { // reload() turns every failure into a result; this is a last resort
            LOG.error("reload failed unexpectedly", e);
            future.completeExceptionally(e);
            return;
        }
        if (result.ok()) {
            followReloadSettings();
        }
        try {
            onResult.accept(result);
        } catch (RuntimeException e) {
            LOG.warn("reload listener failed: {}", e.toString());
        }
        future.complete(result);
    }

    /** A reload that changed {@code reload { watch, interval }} restarts the watcher with the new settings. */
    private synchronized void followReloadSettings() {
        ReloadConfig now = server.snapshot().config().reload();
        if (closed || now.equals(configured)) {
            return;
        }
        LOG.info(
                "reload settings changed: watch = {}, interval = {} s",
                now.watch(),
                now.interval().toSeconds());
        configured = now;
        if (watcher != null) {
            watcher.close(); // it may be waiting on this very reload; it stops after it
            watcher = null;
        }
        watch(now);
    }

    private void watch(ReloadConfig settings) {
        if (!settings.watch()) {
            return;
        }
        watcher = new FileWatcher(
                this::watchedFiles,
                () -> server.snapshot().config().routesDir(),
                settings.interval(),
                () -> request(Trigger.FILE_CHANGE).join());
        LOG.info(
                "watching {} file(s) for changes every {} ms",
                watchedFiles().size(),
                settings.interval().toMillis());
    }

    private List<Path> watchedFiles() {
        Set<Path> files = new LinkedHashSet<>();
        files.add(configFile.toAbsolutePath().normalize());
        files.addAll(server.snapshot().config().watchedFiles());
        return List.copyOf(files);
    }

    /** Stops watching; a reload under way finishes first (briefly waited for). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (watcher != null) {
                watcher.close();
                watcher = null;
            }
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: whether a watcher runs. */
    synchronized Optional<FileWatcher> watcher() {
        return Optional.ofNullable(watcher);
    }
}
