package io.mtlsproxy.config;

import java.net.URI;
import java.util.Optional;

/** Reads a listener's {@code tls.ocsp} block; a responder that is not an {@code http://} URL is reported at its line. */
final class OcspReader {
    private OcspReader() {}

    static OcspSettings read(Node o) {
        o.allowOnly("stapling", "client-check", "responder");
        boolean stapling = Scalars.bool(o, "stapling", false);
        OcspCheck check = Scalars.enumValue(o, "client-check", OcspCheck.class, OcspCheck.OFF);
        String text = o.text("responder", "").trim();
        Optional<URI> responder = Optional.empty();
        if (!text.isEmpty()) {
            // plain http only, as for CRLs: a response is signed by the CA, and https would make asking depend on
            // another chain (and on its own revocation)
            responder = Syntax.httpUrl(text);
            if (responder.isEmpty()) {
                o.error("responder", Syntax.quote(text) + " (expected: an http:// URL with a host, or \"\")");
            }
        }
        return new OcspSettings(stapling, check, responder);
    }
}
