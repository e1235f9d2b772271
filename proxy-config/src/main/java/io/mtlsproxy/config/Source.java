package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/** Where a configuration value was written: the file and the line of its key. Used in every error message. */
public record Source(String file, int line) {
    public Source {
        requireNonNull(file, "file");
    }

    public static Source unknown() {
        return new Source("<unknown>", 0);
    }

    @Override
    public String toString() {
        return file + ":" + line;
    }
}
