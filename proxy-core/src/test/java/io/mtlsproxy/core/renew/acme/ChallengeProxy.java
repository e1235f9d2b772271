package io.mtlsproxy.core.renew.acme;

import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.IssuerConfig;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.ProxyServer;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestOrigin;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A proxy whose listeners may answer ACME challenges, each listener with one route to the same plain origin
 * (named like the listener), and issuers that name the challenge listeners.
 */
final class ChallengeProxy implements AutoCloseable {
    final TestOrigin origin = TestOrigin.plain("origin");
    final ProxyServer proxy = ProxyServer.builder().build();

    ChallengeProxy(Path dir, List<ListenerConfig> listeners, List<? extends IssuerConfig> issuers)
            throws ConfigException, IOException {
        Map<String, IssuerConfig> byName = new LinkedHashMap<>();
        issuers.forEach(i -> byName.put(i.name(), i));
        List<RouteConfig> routes = listeners.stream()
                .map(l -> TestConfigs.route(l.name(), l.name())
                        .endpoint(origin.port())
                        .build())
                .toList();
        try {
            proxy.start(TestConfigs.config(dir.resolve("proxy.conf"), listeners, routes, byName));
        } catch (ConfigException | IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    AcmeChallenges board() {
        return proxy.acmeChallenges();
    }

    int port(String listener) {
        return proxy.port(listener);
    }

    @Override
    public void close() {
        proxy.close();
        origin.close();
    }
}
