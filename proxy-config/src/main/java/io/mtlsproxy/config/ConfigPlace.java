package io.mtlsproxy.config;

/**
 * A value that remembers the key and line that named it, so that a later stage (core, reading a file or fetching a
 * URL) can report a problem with it as {@code FILE:LINE: key: message}.
 */
public interface ConfigPlace {
    String key();

    Source source();

    default ConfigError error(String message) {
        return new ConfigError(source(), key(), message);
    }
}
