package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What a route answers for: a Host (exact, or {@code *.example.com}) and a path prefix. For
 * {@code protocol = tcp} routes the host is matched against the connection's SNI instead.
 * An absent host matches any.
 */
public record Match(Optional<String> host, String pathPrefix) {
    public Match {
        requireNonNull(host, "host");
        requireNonNull(pathPrefix, "pathPrefix");
    }
}
