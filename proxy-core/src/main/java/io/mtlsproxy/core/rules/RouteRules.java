package io.mtlsproxy.core.rules;

import io.mtlsproxy.config.HeaderRuleSet;
import io.mtlsproxy.config.RequestRules;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.ratelimit.TokenBuckets;

/**
 * What a route does to the requests it forwards, compiled once per load from its configuration: header edits both
 * ways, the path rewrite (null: none) and the rate limit's buckets (null: none).
 */
public record RouteRules(HeaderEdits request, HeaderEdits response, PathRewrite rewrite, TokenBuckets rateLimit) {
    /** Most routes of a large configuration have no rules: they share these instead of compiling empty ones. */
    private static final RouteRules NONE = new RouteRules(HeaderEdits.NONE, HeaderEdits.NONE, null, null);

    public static RouteRules of(RouteConfig config) {
        RequestRules rules = config.rules();
        if (rules.requestHeaders().isEmpty()
                && rules.responseHeaders().isEmpty()
                && rules.rewrite().isEmpty()
                && rules.rateLimit().isEmpty()) {
            return NONE;
        }
        return new RouteRules(
                edits(rules.requestHeaders()),
                edits(rules.responseHeaders()),
                PathRewrite.of(config),
                rules.rateLimit().map(TokenBuckets::new).orElse(null));
    }

    private static HeaderEdits edits(HeaderRuleSet rules) {
        return rules.isEmpty() ? HeaderEdits.NONE : new HeaderEdits(rules);
    }
}
