package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * When a request is tried again: up to {@code attempts} more times, after one of {@code on}, for a method of
 * {@code methods}, each try limited to {@code perTryTimeout}, and only while retries in flight stay within
 * {@code budgetPercent} of the route's active requests, so that retries cannot multiply an outage. A request body
 * is kept for a retry up to {@code bufferLimit} bytes; a larger one is streamed only, and not retried.
 */
public record Retries(
        int attempts,
        Set<RetryOn> on,
        Set<String> methods,
        Optional<Duration> perTryTimeout,
        int budgetPercent,
        long bufferLimit) {
    /** RFC 9110 §9.2.2: a request of these methods can be sent twice without the origin acting twice. */
    public static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    /** Envoy's default {@code per_request_buffer_limit_bytes}: enough for a typical API call's JSON body. */
    public static final long DEFAULT_BUFFER_LIMIT = 64 * 1024;

    /** What the proxy always did: one more try, on another endpoint, after a failed connect or origin handshake. */
    public static final Retries DEFAULT =
            new Retries(1, EnumSet.of(RetryOn.CONNECT_FAILURE), IDEMPOTENT_METHODS, Optional.empty(), 20);

    /** With the default {@code buffer-limit}. */
    public Retries(
            int attempts, Set<RetryOn> on, Set<String> methods, Optional<Duration> perTryTimeout, int budgetPercent) {
        this(attempts, on, methods, perTryTimeout, budgetPercent, DEFAULT_BUFFER_LIMIT);
    }

    public Retries {
        on = on.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(on));
        methods = Set.copyOf(requireNonNull(methods, "methods"));
        requireNonNull(perTryTimeout, "perTryTimeout");
    }
}
