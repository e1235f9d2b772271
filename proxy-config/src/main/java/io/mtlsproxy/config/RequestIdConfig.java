package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/**
 * {@code request-id}: the header that carries a request's ID to the origin, back to the client and into the log.
 * With {@code trust-incoming} a well-formed ID the client sent is kept (the client is a trusted hop, such as a load
 * balancer that already set one); otherwise the proxy always makes its own.
 */
public record RequestIdConfig(String header, boolean trustIncoming) {
    public static final RequestIdConfig DEFAULT = new RequestIdConfig("X-Request-Id", false);

    public RequestIdConfig {
        requireNonNull(header, "header");
    }
}
