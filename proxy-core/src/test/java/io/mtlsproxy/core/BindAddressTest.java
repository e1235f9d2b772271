package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.testing.TestConfigs;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A listener binds exactly the address given: "0.0.0.0" is IPv4 only, "::" is dual-stack (as the docs say). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BindAddressTest {
    @TempDir
    static Path dir;

    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(ipv6Loopback(), "this machine has no IPv6 loopback");
        proxy = ProxyServer.builder().build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(listener("ipv4", "0.0.0.0"), listener("any", "::")),
                List.of(
                        TestConfigs.route("ipv4", "ipv4").endpoint(9).build(),
                        TestConfigs.route("any", "any").endpoint(9).build())));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static ListenerConfig listener(String name, String bind) {
        return new ListenerConfig(name, bind, 0, false, ListenerTls.plain(), Limits.DEFAULT, TestConfigs.SOURCE);
    }

    private static boolean ipv6Loopback() {
        try (var s = new java.net.ServerSocket()) {
            s.bind(new InetSocketAddress("::1", 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void connect(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
        }
    }

    @Test
    void ipv4WildcardAcceptsIpv4Only() throws Exception {
        int port = proxy.port("ipv4");
        connect("127.0.0.1", port);
        assertThrows(ConnectException.class, () -> connect("::1", port), "0.0.0.0 must not listen on IPv6");
    }

    @Test
    void ipv6WildcardIsDualStack() throws Exception {
        int port = proxy.port("any");
        connect("::1", port);
        connect("127.0.0.1", port);
    }
}
