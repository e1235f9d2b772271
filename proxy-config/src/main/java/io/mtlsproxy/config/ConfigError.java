package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/**
 * One configuration problem, printed as {@code FILE:LINE: key.path: message}. The message says what was
 * expected, e.g. {@code verify-depth: 0 (expected: 1..10)}.
 */
public record ConfigError(Source source, String key, String message) implements Comparable<ConfigError> {
    public ConfigError {
        requireNonNull(source, "source");
        requireNonNull(key, "key");
        requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return source + ": " + key + ": " + message;
    }

    @Override
    public int compareTo(ConfigError o) {
        int c = source.file().compareTo(o.source.file());
        if (c != 0) {
            return c;
        }
        c = Integer.compare(source.line(), o.source.line());
        return c != 0 ? c : key.compareTo(o.key);
    }
}
