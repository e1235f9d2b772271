package io.mtlsproxy.core.rules;

import io.mtlsproxy.config.Rewrite;
import io.mtlsproxy.config.RouteConfig;

/** A route's {@code rewrite} of the request target's path prefix (see {@link Rewrite}). */
public final class PathRewrite {
    private final String from;
    private final String to;

    private PathRewrite(String from, String to) {
        this.from = from;
        this.to = to;
    }

    /** The rewrite of {@code route}, or null when it has none. */
    static PathRewrite of(RouteConfig route) {
        Rewrite r = route.rules().rewrite();
        if (r.isEmpty()) {
            return null;
        }
        String from = r.stripPrefix().orElse(route.match().pathPrefix());
        String to = r.replacePrefix().orElse("");
        if (from.endsWith("/") && !to.endsWith("/")) {
            to = to + "/"; // "/" replaced by "/v2": "/x" becomes "/v2/x", not "/v2x"
        }
        return new PathRewrite(from, to);
    }

    /**
     * The origin-form target {@code uri} with the prefix replaced; a path that does not start with it is left as it
     * is. A path left empty becomes {@code /} (and {@code ?q} becomes {@code /?q}).
     */
    public String apply(String uri) {
        if (!uri.startsWith(from)) {
            return uri;
        }
        String rest = uri.substring(from.length());
        String out = to + rest;
        if (out.isEmpty() || out.charAt(0) != '/') {
            out = "/" + out;
        }
        return out;
    }
}
