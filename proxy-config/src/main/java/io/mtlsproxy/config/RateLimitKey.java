package io.mtlsproxy.config;

/** What a route's rate-limit buckets are kept per. */
public enum RateLimitKey {
    /** the verified client certificate: its first URI SAN, else its subject, else its SHA-256 (none: the address) */
    CLIENT_IDENTITY,
    /** the client's IP address (after PROXY protocol) */
    CLIENT_ADDRESS,
    /** one bucket for the whole route */
    ROUTE
}
