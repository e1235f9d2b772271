package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;

/**
 * A CRL named by an {@code http://} URL instead of a file: fetched at start and again before its nextUpdate.
 * {@code key} and {@code source} let core report a failed first fetch at the line that named it.
 */
public record CrlUrl(URI url, String key, Source source) implements ConfigPlace {
    public CrlUrl {
        requireNonNull(url, "url");
        requireNonNull(key, "key");
        requireNonNull(source, "source");
    }

    @Override
    public String toString() {
        return url.toString();
    }
}
