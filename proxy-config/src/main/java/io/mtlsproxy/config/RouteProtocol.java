package io.mtlsproxy.config;

/** How a route's traffic is carried: parsed HTTP, or a raw byte relay after TLS termination. */
public enum RouteProtocol {
    HTTP,
    TCP
}
