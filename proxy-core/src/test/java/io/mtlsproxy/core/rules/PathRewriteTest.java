package io.mtlsproxy.core.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.ForwardClientCert;
import io.mtlsproxy.config.HeaderRuleSet;
import io.mtlsproxy.config.Match;
import io.mtlsproxy.config.RequestRules;
import io.mtlsproxy.config.Rewrite;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.RouteProtocol;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.config.UpstreamProtocol;
import io.mtlsproxy.config.UpstreamTls;
import io.mtlsproxy.core.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** strip-prefix, replace-prefix and both, against the route's match prefix. */
class PathRewriteTest {
    private static PathRewrite rewrite(String matchPrefix, String strip, String replace) {
        RouteConfig rc = new RouteConfig(
                "r",
                "l",
                new Match(Optional.empty(), matchPrefix),
                RouteProtocol.HTTP,
                ClientIdentity.NONE,
                ForwardClientCert.SANITIZE_SET,
                new UpstreamConfig(
                        List.of(),
                        UpstreamProtocol.H1,
                        UpstreamTls.PLAIN,
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(1),
                        1),
                TestConfigs.SOURCE,
                new RequestRules(
                        HeaderRuleSet.NONE,
                        HeaderRuleSet.NONE,
                        new Rewrite(Optional.ofNullable(strip), Optional.ofNullable(replace)),
                        Optional.empty()));
        return PathRewrite.of(rc);
    }

    @Test
    void stripReplaceAndBoth() {
        assertEquals("/7?x=1", rewrite("/orders", "/orders", null).apply("/orders/7?x=1"));
        assertEquals("/", rewrite("/orders", "/orders", null).apply("/orders"));
        assertEquals("/?q", rewrite("/orders", "/orders", null).apply("/orders?q"));
        assertEquals("/v2/7", rewrite("/orders", null, "/v2").apply("/orders/7"));
        assertEquals("/v2/7", rewrite("/", "/api", "/v2").apply("/api/7"));
        assertEquals("/v2/x", rewrite("/", null, "/v2").apply("/x"), "a slash is not eaten");
        assertEquals("/other", rewrite("/", "/api", "/v2").apply("/other"), "no prefix: unchanged");
        assertNull(rewrite("/", null, null));
    }
}
