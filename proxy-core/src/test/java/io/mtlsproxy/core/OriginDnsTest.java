package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestDnsServer;
import io.mtlsproxy.core.testing.TestOrigin;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Origins by host name, against a DNS server in the test: every A record is used round robin; the name is asked
 * again on its TTL (bounded by dns { min-ttl, max-ttl }); an address that disappears from DNS gets no new request
 * and its request in flight still completes (drained, not cut); an address that appears joins.
 */
@Timeout(60)
class OriginDnsTest {
    @TempDir
    Path dir;

    private TestDnsServer dns;
    private TestOrigin a;
    private TestOrigin b;
    private ProxyServer proxy;

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {a, b, dns}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
        LeakGuard.assertNoLeaks();
    }

    private Map<String, Integer> spread(int port, int requests) throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            try (RawHttpClient c = RawHttpClient.connect(port)) { // new connections: no pinning by keep-alive
                var r = c.get("localhost", "/n" + i);
                assertEquals(200, r.status(), r.text());
                seen.merge(Echo.parse(r.text()).origin(), 1, Integer::sum);
            }
        }
        return seen;
    }

    @Test
    void everyRecordIsUsedAndAVanishedAddressIsDrainedNotCut() throws Exception {
        a = TestOrigin.plain("a", "127.0.0.2", 0);
        int port = a.port();
        b = TestOrigin.plain("b", "127.0.0.3", port);
        dns = new TestDnsServer(1);
        InetAddress ipA = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
        InetAddress ipB = InetAddress.getByAddress(new byte[] {127, 0, 0, 3});
        dns.set("orders.fleet.test", List.of(ipA, ipB));
        proxy = ProxyServer.builder().dnsServers(List.of(dns.address())).build();
        proxy.start(ConfigLoader.parse("""
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0 }]
                routes = [{ name = orders, listener = edge, upstream {
                  endpoints = ["orders.fleet.test:%d"]
                  dns { min-ttl = 1s, max-ttl = 2s }
                } }]
                """.formatted(port), dir.resolve("proxy.conf")));
        int edge = proxy.port("edge");

        assertEquals(Map.of("a", 5, "b", 5), spread(edge, 10), "both A records, round robin");

        // a slow request is in flight on b when b leaves DNS
        RawHttpClient slow = RawHttpClient.connect(edge).timeout(15_000);
        CompletableFuture<RawHttpClient.Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return slow.get("localhost", "/slow?ms=2500");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (a.requests() + b.requests() < 11 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        String slowOrigin = b.requests() == 6 ? "b" : "a";
        TestOrigin leaving = slowOrigin.equals("b") ? b : a;
        InetAddress stays = slowOrigin.equals("b") ? ipA : ipB;
        String staysName = slowOrigin.equals("b") ? "a" : "b";
        dns.set("orders.fleet.test", List.of(stays));
        int queriesBefore = dns.queries();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (dns.queries() < queriesBefore + 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300); // the answer is applied on the resolver's loop
        assertTrue(dns.queries() >= queriesBefore + 2, "re-resolved on the TTL (1s)");
        int leavingBefore = leaving.requests();

        assertEquals(Map.of(staysName, 8), spread(edge, 8), "no new request to the address that left DNS");
        assertEquals(leavingBefore, leaving.requests());
        RawHttpClient.Response r = inFlight.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.status(), "the request in flight to the vanished address completed");
        assertEquals(slowOrigin, Echo.parse(r.text()).origin());
        slow.close();

        // the address comes back: it joins the rotation again at the next resolution
        dns.set("orders.fleet.test", List.of(ipA, ipB));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Map<String, Integer> seen = Map.of();
        while (seen.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            seen = spread(edge, 4);
        }
        assertEquals(2, seen.size(), "both addresses serve again: " + seen);
    }
}
