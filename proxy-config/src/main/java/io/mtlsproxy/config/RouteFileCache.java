package io.mtlsproxy.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes of each route file already read, by the file's path and the SHA-256 of its content: a reload reads
 * every file of the routes directory, but parses again only those whose bytes (or the environment their
 * {@code ${VAR}}s come from) changed, so a team that edits its one file does not pay for a hundred others.
 * Only a file read without a problem is kept, so every problem is still reported at every load. Files that left
 * the directory are forgotten when it is read next.
 */
final class RouteFileCache {
    static final RouteFileCache SHARED = new RouteFileCache();

    private record Entry(byte[] sha256, Map<String, String> env, List<ParsedRoute> routes) {}

    private final Map<Path, Entry> entries = new ConcurrentHashMap<>();

    /**
     * The SHA-256 of the file's content, or empty when it cannot be read now (the parser then says why). Read
     * again only when the file may have changed: see {@link ContentHashes}.
     */
    static Optional<byte[]> digest(Path file) {
        return ContentHashes.SHARED.sha256(file);
    }

    /** The routes the file held when it had this content, read with the same environment. */
    Optional<List<ParsedRoute>> routes(Path file, Optional<byte[]> sha256, Map<String, String> env) {
        Entry e = entries.get(file);
        if (e == null
                || sha256.isEmpty()
                || !Arrays.equals(e.sha256(), sha256.get())
                || !e.env().equals(env)) {
            return Optional.empty();
        }
        return Optional.of(e.routes());
    }

    void remember(Path file, byte[] sha256, Map<String, String> env, List<ParsedRoute> routes) {
        entries.put(file, new Entry(sha256, env, List.copyOf(routes)));
    }

    /** Forgets the files of {@code dir} other than {@code present}. */
    void retain(Path dir, Collection<Path> present) {
        entries.keySet().removeIf(f -> dir.equals(f.getParent()) && !present.contains(f));
    }
}
