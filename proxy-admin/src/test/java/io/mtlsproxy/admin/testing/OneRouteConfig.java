package io.mtlsproxy.admin.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The smallest configuration a {@code ProxyApp} starts with: admin and one plain listener on free ports, one route
 * to a closed port, no access log, no file watch (the tests reload explicitly).
 */
public final class OneRouteConfig {
    private OneRouteConfig() {}

    public static Path write(Path file) throws IOException {
        return Files.writeString(file, """
                admin { port = 0 }
                access-log = off
                reload.watch = false
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0 }]
                routes = [{ name = app, listener = edge, upstream.endpoints = ["127.0.0.1:9"] }]
                """);
    }

    /** The same file with an error a reload must refuse: an unknown protocol on route {@code app}. */
    public static void breakIt(Path file) throws IOException {
        Files.writeString(file, Files.readString(file).replace("name = app,", "name = app, protocol = udp,"));
    }
}
