package io.mtlsproxy.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every configuration problem of one load. Readers keep going after a problem (using a default in
 * place of the bad value) so that one run reports everything, as {@code check-config} promises.
 */
final class Problems {
    private final List<ConfigError> errors = new ArrayList<>();

    /** Adds a problem; the same problem reached twice (two readers of one value) is kept once. */
    void add(Source source, String key, String message) {
        ConfigError error = new ConfigError(source, key, message);
        if (!errors.contains(error)) {
            errors.add(error);
        }
    }

    /** Adds every problem of {@code other} (one route file's, read on another thread), in its order. */
    void addAll(Problems other) {
        other.errors.forEach(e -> add(e.source(), e.key(), e.message()));
    }

    int size() {
        return errors.size();
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** The problems in file and line order; the order in which they are printed. */
    List<ConfigError> sorted() {
        List<ConfigError> copy = new ArrayList<>(errors);
        copy.sort(null);
        return List.copyOf(copy);
    }

    void throwIfAny() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(sorted());
        }
    }
}
