package io.mtlsproxy.core.reload;

import io.mtlsproxy.config.UpstreamProtocol;
import java.util.List;

/** Which application protocols a listener offers and a route asks for by ALPN. */
final class Alpn {
    static final String H2 = "h2";
    static final String HTTP_1_1 = "http/1.1";

    private Alpn() {}

    /**
     * h2 then http/1.1 for a listener of HTTP routes. A listener with tcp routes does not offer h2: the proxy cannot
     * know, during the handshake, whether the connection will be an HTTP one. With tcp routes only it offers
     * nothing, so that a client's ALPN is not answered by the proxy on the origin's behalf.
     */
    static List<String> listener(boolean httpRoutes, boolean tcpRoutes) {
        if (!tcpRoutes) {
            return List.of(H2, HTTP_1_1);
        }
        return httpRoutes ? List.of(HTTP_1_1) : List.of();
    }

    /** h2 (and only h2) for a route whose origin speaks HTTP/2; http/1.1 otherwise. */
    static List<String> upstream(UpstreamProtocol protocol) {
        return protocol == UpstreamProtocol.H2 ? List.of(H2) : List.of(HTTP_1_1);
    }
}
