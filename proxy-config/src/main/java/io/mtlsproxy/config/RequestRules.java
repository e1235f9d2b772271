package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/** What a route does to the requests it forwards: header rules both ways, a path rewrite and a rate limit. */
public record RequestRules(
        HeaderRuleSet requestHeaders, HeaderRuleSet responseHeaders, Rewrite rewrite, Optional<RateLimit> rateLimit) {
    public static final RequestRules NONE =
            new RequestRules(HeaderRuleSet.NONE, HeaderRuleSet.NONE, Rewrite.NONE, Optional.empty());

    public RequestRules {
        requireNonNull(requestHeaders, "requestHeaders");
        requireNonNull(responseHeaders, "responseHeaders");
        requireNonNull(rewrite, "rewrite");
        requireNonNull(rateLimit, "rateLimit");
    }
}
