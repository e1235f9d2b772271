package io.mtlsproxy.config;

import java.util.Optional;

/**
 * A route's {@code rewrite}: the path prefix the origin sees instead of the client's. {@code strip-prefix} alone
 * removes that prefix; {@code replace-prefix} alone puts itself in place of the route's {@code match.path-prefix};
 * both together put {@code replace-prefix} in place of {@code strip-prefix}. A path without the prefix is passed
 * on unchanged.
 */
public record Rewrite(Optional<String> stripPrefix, Optional<String> replacePrefix) {
    public static final Rewrite NONE = new Rewrite(Optional.empty(), Optional.empty());

    public boolean isEmpty() {
        return stripPrefix.isEmpty() && replacePrefix.isEmpty();
    }
}
