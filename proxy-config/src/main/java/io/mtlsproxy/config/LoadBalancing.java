package io.mtlsproxy.config;

/** How a route spreads its requests over its healthy endpoints. */
public enum LoadBalancing {
    /** each endpoint in turn */
    ROUND_ROBIN,
    /** the less busy of two endpoints drawn at random (power of two choices over requests in flight) */
    LEAST_REQUEST,
    /** any endpoint, uniformly */
    RANDOM
}
