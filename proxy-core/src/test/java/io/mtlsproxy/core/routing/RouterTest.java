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

    /**
     * Ten thousand hosts and wildcards, as in the scale bench: every host still finds its own group, the longest
     * wildcard still wins over a shorter one, whatever the table's size or order, and a deep name below a wildcard
     * (a lookup per label) finds it too.
     */
    @Test
    void tenThousandHostsMatchAsOneDoes() {
        List<Route> routes = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            routes.add(route("h" + i, "h" + i + ".example.net", "/"));
            routes.add(route("w" + i, "*.t" + i + ".example.net", "/"));
        }
        routes.add(route("wide", "*.example.net", "/"));
        java.util.Collections.shuffle(routes, new java.util.Random(7));
        Router big = Router.of(routes);
        for (int i = 0; i < 10_000; i += 97) {
            assertEquals("h" + i, big.route("H" + i + ".example.net:443", "/a").name());
            assertEquals("w" + i, big.route("x.t" + i + ".example.net", "/a").name());
            assertEquals(
                    "w" + i, big.route("a.b.c.t" + i + ".example.net", "/a").name());
        }
        assertEquals("wide", big.route("t5.example.net", "/").name(), "a wildcard never takes its own suffix");
        assertEquals("wide", big.route("nope.example.net", "/").name());
        assertNull(big.route("example.net", "/"));
    }
}
