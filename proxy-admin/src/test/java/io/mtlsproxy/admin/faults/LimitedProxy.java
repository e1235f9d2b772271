package io.mtlsproxy.admin.faults;

import io.mtlsproxy.admin.testing.ProxyProcess;
import io.mtlsproxy.core.testing.TestOrigin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of machine limits share: a proxy process with one plain listener {@code edge} (header and idle
 * timeouts of a minute, so that idle connections stay) routed to a test origin, started under a shell limit and
 * JVM options, and stopped after each test with the idle connections the test opened.
 */
abstract class LimitedProxy {
    private static final Pattern BOUND = Pattern.compile("listener edge bound on /127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    ProxyProcess proxy;
    private TestOrigin origin;

    /** Starts the proxy under {@code shellLimits} with {@code jvmArgs}; returns the listener's port. */
    int start(String shellLimits, String... jvmArgs) throws IOException, InterruptedException {
        origin = TestOrigin.plain("origin");
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = false }
                access-log = "off"
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0
                               limits { request-header-timeout = 60 s, idle-timeout = 60 s } }]
                routes = [{ name = main, listener = edge, match.path-prefix = "/",
                            upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(origin.port()));
        proxy = ProxyProcess.start(conf, shellLimits, jvmArgs);
        return Integer.parseInt(proxy.await(BOUND).group(1));
    }

    /** Closes the idle connections the test opened. */
    abstract void closeIdle() throws IOException;

    @AfterEach
    void stopAll() throws IOException {
        closeIdle();
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }
}
