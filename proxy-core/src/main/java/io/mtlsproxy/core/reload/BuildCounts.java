package io.mtlsproxy.core.reload;

/**
 * What building a snapshot cost, for the reload log and for tests that prove a reload rebuilds only what changed:
 * routes whose identity policy and upstream were built anew or kept, listener TLS (SslContexts) built or kept, and
 * server keys read from their files or taken from the previous build.
 */
public record BuildCounts(
        int routesBuilt, int routesKept, int listenerTlsBuilt, int listenerTlsKept, int keysLoaded, int keysReused) {
    @Override
    public String toString() {
        return "routes " + routesBuilt + " built, " + routesKept + " kept; listener TLS " + listenerTlsBuilt
                + " built, " + listenerTlsKept + " kept; server keys " + keysLoaded + " read, " + keysReused
                + " reused";
    }
}
