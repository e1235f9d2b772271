package io.mtlsproxy.core.rules;

import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.ratelimit.TokenBuckets;

/**
 * What a route does to the requests it forwards, compiled once per load from its configuration: header edits both
 * ways, the path rewrite (null: none) and the rate limit's buckets (null: none).
 */
public record RouteRules(HeaderEdits request, HeaderEdits response, PathRewrite rewrite, TokenBuckets rateLimit) {
    public static RouteRules of(RouteConfig config) {
        return new RouteRules(
                new HeaderEdits(config.rules().requestHeaders()),
                new HeaderEdits(config.rules().responseHeaders()),
                PathRewrite.of(config),
                config.rules().rateLimit().map(TokenBuckets::new).orElse(null));
    }
}
