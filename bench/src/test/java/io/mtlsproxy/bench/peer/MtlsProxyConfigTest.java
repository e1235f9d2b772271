package io.mtlsproxy.bench.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.process.CpuPlan;
import io.mtlsproxy.bench.scenario.Hop;
import io.mtlsproxy.bench.scenario.Leg;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.config.UpstreamTlsMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config the harness writes for mtls-proxy is one the proxy's own loader accepts, with the legs it means. */
class MtlsProxyConfigTest {
    private static PeerEnvironment env(Path dir) throws Exception {
        return new PeerEnvironment(
                dir,
                BenchPki.create(dir.resolve("pki")),
                Map.of(Hop.PLAIN, 20001, Hop.TLS, 20002, Hop.MTLS, 20003),
                CpuPlan.defaults(2),
                20_000,
                false);
    }

    /** A port per leg, from {@code first} on (nothing listens: the config is only loaded). */
    private static Map<Leg, Integer> ports(int first) {
        Map<Leg, Integer> ports = new LinkedHashMap<>();
        int port = first;
        for (Leg leg : Leg.ALL) {
            ports.put(leg, port++);
        }
        return ports;
    }

    @Test
    void theOcspVariantChecksClientsOnItsMtlsListenersAtTheResponderItStarts(@TempDir Path dir) throws Exception {
        PeerEnvironment env = env(dir);
        Map<Leg, Integer> ports = ports(22000);
        // start() returns once the responder answered "good" for the loader's certificate to a real OCSP request
        try (BenchOcspResponder responder = BenchOcspResponder.start(env.pki(), dir.resolve("ocsp"))) {
            Path file = dir.resolve("proxy.conf");
            Files.writeString(
                    file,
                    MtlsProxyPeer.config(
                            env, ports, 22999, MtlsProxyPeer.Variant.OCSP, java.util.Optional.of(responder.url())));
            ProxyConfig config = ConfigLoader.load(file, Map.of());
            for (Leg leg : Leg.ALL) {
                var ocsp = config.listener(leg.id()).orElseThrow().tls().ocsp();
                if (leg.inbound() == Hop.MTLS) {
                    assertEquals(io.mtlsproxy.config.OcspCheck.HARD, ocsp.clientCheck(), leg.id());
                    assertEquals(responder.url(), ocsp.responder().orElseThrow().toString());
                } else {
                    assertFalse(ocsp.used(), leg.id());
                }
            }
        }
    }

    @Test
    void generatedConfigLoadsWithOneListenerAndRoutePerLeg(@TempDir Path dir) throws Exception {
        PeerEnvironment env = env(dir);
        Map<Leg, Integer> ports = ports(21000);
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, MtlsProxyPeer.config(env, ports, 21999));

        ProxyConfig config = ConfigLoader.load(file, Map.of());

        assertEquals("off", config.accessLog());
        assertEquals(21999, config.admin().port());
        assertEquals(5, config.listeners().size());
        assertEquals(5, config.routes().size());
        for (Leg leg : Leg.ALL) {
            ListenerConfig l = config.listener(leg.id()).orElseThrow();
            assertEquals(ports.get(leg), l.port());
            assertEquals(
                    switch (leg.inbound()) {
                        case PLAIN -> TlsMode.NONE;
                        case TLS -> TlsMode.TLS;
                        case MTLS -> TlsMode.MTLS;
                    },
                    l.tls().mode(),
                    leg.id());
            assertTrue(l.limits().maxConnections() >= 10_000, "room for the idle scenario");
            RouteConfig r = config.routes().stream()
                    .filter(x -> x.listener().equals(leg.id()))
                    .findFirst()
                    .orElseThrow();
            assertEquals(
                    env.originPort(leg.outbound()),
                    r.upstream().endpoints().get(0).port());
            assertEquals(
                    switch (leg.outbound()) {
                        case PLAIN -> UpstreamTlsMode.PLAIN;
                        case TLS -> UpstreamTlsMode.TLS;
                        case MTLS -> UpstreamTlsMode.MTLS;
                    },
                    r.upstream().tls().mode(),
                    leg.id());
        }
    }

    @Test
    void theBareAndRulesVariantsLoadWithTheirSettings(@TempDir Path dir) throws Exception {
        PeerEnvironment env = env(dir);
        Map<Leg, Integer> ports = Map.of(Leg.MTLS_PLAIN, 21000);
        Path bare = dir.resolve("bare.conf");
        Files.writeString(bare, MtlsProxyPeer.config(env, ports, 21999, MtlsProxyPeer.Variant.BARE));
        Path rules = dir.resolve("rules.conf");
        Files.writeString(rules, MtlsProxyPeer.config(env, ports, 21999, MtlsProxyPeer.Variant.RULES));

        ProxyConfig b = ConfigLoader.load(bare, Map.of());
        assertFalse(b.requestId().enabled());
        assertTrue(b.routes().get(0).rules().requestHeaders().isEmpty());
        ProxyConfig r = ConfigLoader.load(rules, Map.of());
        assertTrue(r.requestId().enabled());
        assertEquals(
                "%{client.subject}",
                r.routes()
                        .get(0)
                        .rules()
                        .requestHeaders()
                        .set()
                        .get("X-Client-Subject")
                        .text());
    }
}
