package io.mtlsproxy.core.reload;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the files a configuration names (and the {@code *.conf} of its routes directory) on its own thread,
 * never on an event loop, and calls back when any of them changed since the last poll.
 *
 * <p>Polling rather than inotify: certificate tooling (cert-manager, {@code pki renew}, Kubernetes secret
 * volumes) replaces files by rename or symlink swap, which a stat of the path sees reliably. A half-written
 * pair (new certificate, old key) makes the reload fail and keep the last good state; the next write changes
 * the files again, so the next poll retries and picks up the pair once both match. A change is acted on once
 * the files have stopped changing for a moment (see {@link #settled}), so a tool that writes the key and the
 * certificate back to back is seen as one change.
 */
public final class FileWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileWatcher.class);
    /** How long files must stay unchanged before a reload: at most this, and at most half the interval. */
    static final Duration MAX_SETTLE = Duration.ofMillis(500);

    private static final int MAX_SETTLE_ROUNDS = 10;

    private final Supplier<Collection<Path>> files;
    private final Supplier<Optional<Path>> routesDir;
    private final Runnable onChange;
    private final ScheduledExecutorService timer;
    private final long settleMillis;
    private Map<Path, Stamp> last;

    /**
     * @param files the files to watch, read anew at each poll (they follow reloads)
     * @param routesDir a directory whose {@code *.conf} files are watched too, so added or removed route files count
     * @param onChange called on the watcher's thread when something changed
     */
    public FileWatcher(
            Supplier<Collection<Path>> files,
            Supplier<Optional<Path>> routesDir,
            Duration interval,
            Runnable onChange) {
        this.files = requireNonNull(files, "files");
        this.routesDir = requireNonNull(routesDir, "routesDir");
        this.onChange = requireNonNull(onChange, "onChange");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "config-watcher");
            t.setDaemon(true);
            return t;
        });
        this.last = snapshot();
        long millis = interval.toMillis();
        this.settleMillis = Math.max(1, Math.min(millis / 2, MAX_SETTLE.toMillis()));
        timer.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            Map<Path, Stamp> now = snapshot();
            if (now.equals(last)) {
                return;
            }
            now = settled(now);
            onChange.run();
            last = afterReload(now, snapshot());
        } catch (RuntimeException e) {
            LOG.warn("config watcher: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        }
    }

    /**
     * Waits until the files stop changing (a writer replacing a certificate and its key one after the other is
     * done within milliseconds), so that one poll does not land between the two writes and report a reload
     * failure that the next poll would clear. Bounded: a file rewritten without end still gets reloaded.
     */
    private Map<Path, Stamp> settled(Map<Path, Stamp> seen) throws InterruptedException {
        Map<Path, Stamp> current = seen;
        for (int i = 0; i < MAX_SETTLE_ROUNDS; i++) {
            Thread.sleep(settleMillis);
            Map<Path, Stamp> again = snapshot();
            if (again.equals(current)) {
                break;
            }
            current = again;
        }
        return current;
    }

    /**
     * The stamps to compare the next poll with. A file that changed while the reload was reading it must look
     * changed at the next poll, so the stamps taken before the reload are kept. A file the watched set gained
     * during the reload (a route file dropped into the routes directory, the certificates a new route names) may
     * have appeared after the reload read its directory: it is stamped missing, so the next poll reloads once
     * more (at worst a reload that finds nothing changed) instead of never.
     */
    private static Map<Path, Stamp> afterReload(Map<Path, Stamp> before, Map<Path, Stamp> after) {
        Map<Path, Stamp> next = new HashMap<>();
        for (Path p : after.keySet()) {
            next.put(p, before.getOrDefault(p, Stamp.MISSING));
        }
        return next;
    }

    private Map<Path, Stamp> snapshot() {
        Map<Path, Stamp> stamps = new HashMap<>();
        for (Path p : files.get()) {
            stamps.put(p, Stamp.of(p));
        }
        routesDir.get().ifPresent(dir -> {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.conf")) {
                for (Path p : ds) {
                    stamps.put(p, Stamp.of(p));
                }
            } catch (IOException e) {
                stamps.put(dir, Stamp.MISSING);
            }
        });
        return stamps;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** What a stat tells about a file: enough to see an in-place write, a rename over it, or its removal. */
    private record Stamp(long modifiedMillis, long size, Object fileKey) {
        static final Stamp MISSING = new Stamp(-1, -1, null);

        static Stamp of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return new Stamp(a.lastModifiedTime().toMillis(), a.size(), a.fileKey());
            } catch (NoSuchFileException e) {
                return MISSING;
            } catch (IOException e) {
                return new Stamp(-2, -2, Objects.toString(e.getMessage()));
            }
        }
    }
}
