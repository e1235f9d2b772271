package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * A file named in the configuration, already resolved against the directory of the file that names it.
 * {@code key} and {@code source} let later stages (certificate loading in core) report problems with the
 * file's contents at the line that named it.
 */
public record FileRef(Path path, String key, Source source) implements ConfigPlace {
    public FileRef {
        requireNonNull(path, "path");
        requireNonNull(key, "key");
        requireNonNull(source, "source");
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
