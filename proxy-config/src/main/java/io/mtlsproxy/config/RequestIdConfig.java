package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/**
 * {@code request-id}: the header that carries a request's ID to the origin, back to the client and into the log.
 * With {@code trust-incoming} a well-formed ID the client sent is kept (the client is a trusted hop, such as a load
 * balancer that already set one); otherwise the proxy always makes its own. With {@code enabled = false} the proxy
 * adds no request ID and passes the W3C trace context on as the client sent it (the proxy is no span).
 */
public record RequestIdConfig(String header, boolean trustIncoming, boolean enabled) {
    public static final RequestIdConfig DEFAULT = new RequestIdConfig("X-Request-Id", false, true);

    public RequestIdConfig {
        requireNonNull(header, "header");
    }
}
