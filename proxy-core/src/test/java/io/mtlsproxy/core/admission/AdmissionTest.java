package io.mtlsproxy.core.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mtlsproxy.config.AllowList;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.identity.IdentityPolicy;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.routing.Router;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admission stage on its own, over an {@link EmbeddedChannel} carrying what a handshake would have left on a
 * connection (SNI, verified identity): the order 421 → 404 → identity, enforce versus report-only and the denial
 * metric, and the same identity decision for a TCP connection.
 */
class AdmissionTest {
    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki.Ca clients;
    static TestPki.Leaf server;

    @BeforeAll
    static void pki() {
        pki = new TestPki(dir);
        clients = pki.ca("clients");
        server = pki.ca("servers").server("api.example.com", "api.example.com");
    }

    private final ProxyMetrics metrics = ProxyMetrics.inMemory();

    private static Route route(String name, String host, IdentityMode mode, String... uris) {
        ClientIdentity identity = uris.length == 0
                ? ClientIdentity.NONE
                : new ClientIdentity(true, mode, new AllowList(List.of(), List.of(), List.of(uris), List.of()));
        RouteConfig rc = TestConfigs.route(name, "l")
                .host(host)
                .endpoint(1)
                .identity(identity)
                .build();
        return new Route(
                rc,
                IdentityPolicy.of(rc.clientIdentity()),
                new UpstreamCluster(name, rc.upstream(), List.of(), Optional.empty()));
    }

    private static Listener listener(boolean sniHostCheck, Route... routes) {
        ListenerConfig lc = TestConfigs.listener(
                "l", TestConfigs.mtls(server, clients.certFile(), ClientAuth.OPTIONAL, sniHostCheck));
        return new Listener(lc, Optional.empty(), Router.of(List.of(routes)), Router.of(List.of(routes)));
    }

    /** A connection as the handshake leaves it: its SNI and the client's identity (null: no certificate). */
    private static InboundConnection connection(String sni, String uri) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.attr(HandshakeObserver.SNI).set(sni);
        if (uri != null) {
            TestPki.Leaf leaf = clients.client("workload", uri);
            ch.attr(PeerIdentity.KEY).set(PeerIdentity.of(List.of(leaf.issued().certificate()), true, null));
        }
        return InboundConnection.attach(ch, "l", true);
    }

    private double denials(String route, String mode) {
        var c = metrics.registry()
                .find("mtls_proxy_identity_denials")
                .tag("route", route)
                .tag("mode", mode)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void hostThatIsNotTheSniIs421BeforeAnyRouteIsLookedUp() {
        Listener l = listener(true, route("api", "api.example.com", IdentityMode.ENFORCE));
        Verdict v = Admission.http(l, connection("other.example.com", null), "api.example.com", "/", metrics);
        Verdict.Answer a = assertInstanceOf(Verdict.Answer.class, v);
        assertEquals(421, a.status());
        assertEquals("Host api.example.com does not match the TLS server name other.example.com", a.reason());
        assertNull(a.route());
    }

    @Test
    void withoutSniHostCheckTheHostAloneChoosesTheRoute() {
        Route api = route("api", "api.example.com", IdentityMode.ENFORCE);
        Verdict v = Admission.http(
                listener(false, api), connection("other.example.com", null), "api.example.com", "/x", metrics);
        assertSame(api, assertInstanceOf(Verdict.Forward.class, v).route());
    }

    @Test
    void noMatchingRouteIs404() {
        Listener l = listener(true, route("api", "api.example.com", IdentityMode.ENFORCE));
        Verdict.Answer a = assertInstanceOf(
                Verdict.Answer.class, Admission.http(l, connection(null, null), "nope.example.com", "/p", metrics));
        assertEquals(404, a.status());
        assertEquals("no route for nope.example.com/p", a.reason());
    }

    @Test
    void enforcedPolicyAnswersWithItsStatusAndCountsTheDenial() {
        Route api = route("api", "api.example.com", IdentityMode.ENFORCE, "spiffe://td/ok");
        Listener l = listener(true, api);
        Verdict.Answer wrong = assertInstanceOf(
                Verdict.Answer.class,
                Admission.http(l, connection("api.example.com", "spiffe://td/other"), "api.example.com", "/", metrics));
        assertEquals(403, wrong.status());
        assertSame(api, wrong.route());
        Verdict.Answer none = assertInstanceOf(
                Verdict.Answer.class,
                Admission.http(l, connection("api.example.com", null), "api.example.com", "/", metrics));
        assertEquals(496, none.status());
        assertEquals(2.0, denials("api", "enforce"));

        Verdict.Forward ok = assertInstanceOf(
                Verdict.Forward.class,
                Admission.http(l, connection("api.example.com", "spiffe://td/ok"), "api.example.com", "/", metrics));
        assertNull(ok.note());
        assertEquals(List.of("spiffe://td/ok"), ok.identity().uriSans());
        assertEquals(2.0, denials("api", "enforce"), "an admitted client is no denial");
    }

    @Test
    void reportOnlyForwardsWithANoteAndCountsTheDenial() {
        Route api = route("api", "api.example.com", IdentityMode.REPORT_ONLY, "spiffe://td/ok");
        Verdict.Forward f = assertInstanceOf(
                Verdict.Forward.class,
                Admission.http(
                        listener(true, api),
                        connection("api.example.com", "spiffe://td/other"),
                        "api.example.com",
                        "/",
                        metrics));
        assertSame(api, f.route());
        assertEquals("report-only: the client certificate is not allowed on this route", f.note());
        assertEquals(1.0, denials("api", "report-only"));
        assertEquals(0.0, denials("api", "enforce"));
    }

    @Test
    void tcpConnectionsGoThroughTheSameGates() {
        Route db = route("db", "db.example.com", IdentityMode.ENFORCE, "spiffe://td/ok");
        Listener l = listener(false, db);
        assertSame(db, Admission.tcpRoute(l, "db.example.com"));
        assertNull(Admission.tcpRoute(l, "web.example.com"), "not a tcp connection: HTTP admits per request");
        Verdict.Answer a = assertInstanceOf(
                Verdict.Answer.class, Admission.tcp(db, connection("db.example.com", "spiffe://td/other"), metrics));
        assertEquals(403, a.status());
        assertInstanceOf(
                Verdict.Forward.class, Admission.tcp(db, connection("db.example.com", "spiffe://td/ok"), metrics));
        assertEquals(1.0, denials("db", "enforce"));
    }
}
