package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/** An origin address, {@code host:port}. Resolved off the event loop. */
public record Endpoint(String host, int port) {
    public Endpoint {
        requireNonNull(host, "host");
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
