package io.mtlsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load parses again only the route files whose content changed: the routes of an unchanged file are the very
 * objects of the load before; a changed, added or removed file is seen at once, and a file with a problem is
 * reported at every load.
 */
class RouteFileCacheTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String route(String name, String prefix) {
        return "routes = [{ name = " + name + ", listener = edge, match { path-prefix = \"" + prefix + "\" }, "
                + "upstream { endpoints = [\"127.0.0.1:8080\"] } }]\n";
    }

    /** A main file with one listener and a routes directory, routes.d, still empty. */
    private Path mainWithRoutesDir() throws Exception {
        Files.createDirectories(dir.resolve("routes.d"));
        return write(
                "proxy.conf",
                "routes-dir = \"routes.d\"\nlisteners = [{ name = edge, bind = \"127.0.0.1\", port = 8080 }]\n");
    }

    private ProxyConfig load(Path main) throws ConfigException {
        return ConfigLoader.load(main, Map.of());
    }

    private static RouteConfig named(ProxyConfig c, String name) {
        return c.routes().stream()
                .filter(r -> r.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void onlyTheChangedFileIsReadAgain() throws Exception {
        Path main = mainWithRoutesDir();
        write("routes.d/a.conf", route("a", "/a"));
        Path b = write("routes.d/b.conf", route("b", "/b"));
        ProxyConfig first = load(main);

        Files.writeString(b, route("b", "/b2"));
        ProxyConfig second = load(main);
        assertSame(named(first, "a"), named(second, "a"), "an unchanged file is not parsed again");
        assertNotSame(named(first, "b"), named(second, "b"));
        assertEquals("/b2", named(second, "b").match().pathPrefix());

        Files.writeString(b, route("b", "/b2") + "oops = 1\n");
        ConfigException broken = assertThrows(ConfigException.class, () -> load(main));
        assertTrue(broken.getMessage().contains("b.conf"), broken.getMessage());
        assertThrows(ConfigException.class, () -> load(main), "a problem is reported at every load");

        Files.delete(b);
        write("routes.d/c.conf", route("c", "/c"));
        ProxyConfig third = load(main);
        assertEquals(
                List.of("a", "c"),
                third.routes().stream().map(RouteConfig::name).toList());
        assertSame(named(first, "a"), named(third, "a"));
    }

    @Test
    void routesOfManyFilesShareTheValuesTheyRepeat() throws Exception {
        Path main = mainWithRoutesDir();
        write("routes.d/a.conf", route("a", "/a"));
        write("routes.d/b.conf", route("b", "/b"));
        ProxyConfig c = load(main);
        RouteConfig a = named(c, "a");
        RouteConfig b = named(c, "b");
        // parsed apart, each file would hold its own copy of every value: thousands of routes, thousands of copies
        assertSame(a.listener(), b.listener());
        assertSame(
                a.upstream().endpoints().get(0).host(),
                b.upstream().endpoints().get(0).host());
        assertSame(UpstreamPolicy.DEFAULT, a.upstream().policy(), "no policy keys: the shared default");
        assertSame(RequestRules.NONE, a.rules(), "no rules: the shared empty ones");
    }
}
