package io.mtlsproxy.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.identity.IdentityPolicy;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static Route route(String name, String host, String prefix) {
        var b = TestConfigs.route(name, "l").prefix(prefix).endpoint(1);
        if (host != null) {
            b.host(host);
        }
        RouteConfig rc = b.build();
        return new Route(
                rc,
                IdentityPolicy.of(rc.clientIdentity()),
                new UpstreamCluster(name, rc.upstream(), List.of(), Optional.empty()));
    }

    private final Router router = Router.of(List.of(
            route("exact-root", "api.example.com", "/"),
            route("exact-orders", "API.example.com", "/orders"),
            route("exact-orders-admin", "api.example.com", "/orders/admin"),
            route("wild", "*.example.com", "/"),
            route("deeper-wild", "*.eu.example.com", "/"),
            route("only-x", "x.example.org", "/x"),
            route("any", null, "/")));

    private String name(String host, String path) {
        Route r = router.route(host, path);
        return r == null ? null : r.name();
    }

    @Test
    void exactHostThenLongestPrefix() {
        assertEquals("exact-orders", name("api.example.com", "/orders/1"));
        assertEquals("exact-orders-admin", name("api.example.com", "/orders/admin/x"));
        assertEquals("exact-root", name("api.example.com", "/other"));
    }

    @Test
    void hostIsCaseInsensitiveWithoutPortOrRootDot() {
        assertEquals("exact-orders", name("API.Example.COM:8443", "/orders"));
        assertEquals("exact-orders", name("api.example.com.", "/orders"));
        assertEquals("any", name("[::1]:8443", "/"));
    }

    @Test
    void wildcardTakesAnyNameBelowItsSuffixButNotTheSuffixItself() {
        assertEquals("wild", name("www.example.com", "/"));
        assertEquals("wild", name("a.b.example.com", "/"));
        assertEquals("deeper-wild", name("fr.eu.example.com", "/"));
        assertEquals("any", name("example.com", "/"));
    }

    @Test
    void noFallBackFromAChosenHostGroup() {
        assertNull(name("x.example.org", "/y"), "the host group of x.example.org has no prefix for /y");
        assertEquals("any", name("unknown.test", "/y"));
    }

    @Test
    void noRouteWithoutACatchAll() {
        Router r = Router.of(List.of(route("a", "a.test", "/a")));
        assertNull(r.route("b.test", "/a"));
        assertNull(r.route("a.test", "/b"));
    }
}
