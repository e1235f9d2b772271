package io.mtlsproxy.core.testing;

import io.mtlsproxy.config.AccessLogFormat;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.ClientsConfig;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.ForwardClientCert;
import io.mtlsproxy.config.IssuerConfig;
import io.mtlsproxy.config.KeyMaterial;
import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.Match;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.ReloadConfig;
import io.mtlsproxy.config.RenewalConfig;
import io.mtlsproxy.config.RequestIdConfig;
import io.mtlsproxy.config.RequestRules;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.RouteProtocol;
import io.mtlsproxy.config.Source;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.config.UpstreamPolicy;
import io.mtlsproxy.config.UpstreamProtocol;
import io.mtlsproxy.config.UpstreamTls;
import io.mtlsproxy.config.UpstreamTlsMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Configuration records for tests, without HOCON: listeners on 127.0.0.1 port 0, routes by builder. */
public final class TestConfigs {
    public static final Source SOURCE = new Source("test.conf", 1);

    private TestConfigs() {}

    public static FileRef file(Path path, String key) {
        return new FileRef(path, key, SOURCE);
    }

    public static KeyMaterial pem(TestPki.Leaf leaf, String keyPath) {
        return KeyMaterial.pem(
                file(leaf.certFile(), keyPath + ".cert"), file(leaf.keyFile(), keyPath + ".key"), keyPath, SOURCE);
    }

    /** A TLS listener serving {@code servers} (with two or more, SNI chooses among them). */
    public static ListenerTls tls(TestPki.Leaf... servers) {
        List<KeyMaterial> certificates = new ArrayList<>();
        for (TestPki.Leaf server : servers) {
            certificates.add(pem(server, "tls.certificates." + certificates.size()));
        }
        return new ListenerTls(
                TlsMode.TLS,
                ClientAuth.REQUIRED,
                List.copyOf(certificates),
                Optional.empty(),
                Optional.empty(),
                ListenerTls.DEFAULT_VERIFY_DEPTH,
                ListenerTls.DEFAULT_PROTOCOLS,
                false,
                DenyList.EMPTY,
                true,
                Optional.empty(),
                List.of(),
                OcspSettings.OFF);
    }

    public static ListenerTls mtls(TestPki.Leaf server, Path clientCa, ClientAuth auth, boolean sniHostCheck) {
        return mtls(server, clientCa, auth, sniHostCheck, null);
    }

    /** An mTLS listener enforcing {@code crl} (null: none). */
    public static ListenerTls mtls(
            TestPki.Leaf server, Path clientCa, ClientAuth auth, boolean sniHostCheck, Path crl) {
        return new ListenerTls(
                TlsMode.MTLS,
                auth,
                List.of(pem(server, "tls.certificates.0")),
                Optional.of(file(clientCa, "tls.client-ca")),
                Optional.ofNullable(crl).map(c -> file(c, "tls.crl")),
                ListenerTls.DEFAULT_VERIFY_DEPTH,
                ListenerTls.DEFAULT_PROTOCOLS,
                sniHostCheck,
                DenyList.EMPTY,
                true,
                Optional.empty(),
                List.of(),
                OcspSettings.OFF);
    }

    /** {@code tls} with this {@code ocsp} block. */
    public static ListenerTls withOcsp(ListenerTls tls, OcspSettings ocsp) {
        return new ListenerTls(
                tls.mode(),
                tls.clientAuth(),
                tls.certificates(),
                tls.clientCa(),
                tls.crl(),
                tls.verifyDepth(),
                tls.protocols(),
                tls.sniHostCheck(),
                tls.deny(),
                tls.closeRevoked(),
                tls.crlUrl(),
                tls.hosts(),
                ocsp);
    }

    public static ListenerConfig listener(String name, ListenerTls tls) {
        return listener(name, tls, Limits.DEFAULT);
    }

    public static ListenerConfig listener(String name, ListenerTls tls, Limits limits) {
        return new ListenerConfig(name, "127.0.0.1", 0, false, tls, limits, SOURCE);
    }

    public static Limits limits(long maxBody, long maxHeader, Duration headerTimeout, Duration idle) {
        return new Limits(20_000, maxHeader, maxBody, Duration.ofSeconds(5), headerTimeout, idle);
    }

    public static ProxyConfig config(Path file, List<ListenerConfig> listeners, List<RouteConfig> routes) {
        return config(file, listeners, routes, Map.of());
    }

    /** With {@code issuers} (by name), as renew blocks and ACME challenge listeners use them. */
    public static ProxyConfig config(
            Path file, List<ListenerConfig> listeners, List<RouteConfig> routes, Map<String, IssuerConfig> issuers) {
        return new ProxyConfig(
                file,
                new AdminConfig("127.0.0.1", 0),
                ExpiryConfig.DEFAULT,
                listeners,
                routes,
                ReloadConfig.DEFAULT,
                Duration.ofSeconds(5),
                "off",
                Optional.empty(),
                List.of(),
                issuers,
                RenewalConfig.DEFAULT,
                ProxyConfig.DEFAULT_DRAIN_DELAY,
                Optional.empty(),
                ClientsConfig.DEFAULT,
                RequestIdConfig.DEFAULT,
                AccessLogFormat.DEFAULT);
    }

    public static RouteBuilder route(String name, String listener) {
        return new RouteBuilder(name, listener);
    }

    /** A route with plain upstream to 127.0.0.1 unless told otherwise. */
    public static final class RouteBuilder {
        private final String name;
        private final String listener;
        private Optional<String> host = Optional.empty();
        private String prefix = "/";
        private final List<Endpoint> endpoints = new ArrayList<>();
        private UpstreamTlsMode mode = UpstreamTlsMode.PLAIN;
        private Optional<FileRef> trustCa = Optional.empty();
        private Optional<String> serverName = Optional.empty();
        private boolean verifyHostname = true;
        private List<String> expectedUriSans = List.of();
        private Optional<KeyMaterial> clientIdentity = Optional.empty();
        private ForwardClientCert forward = ForwardClientCert.SANITIZE_SET;
        private ClientIdentity identity = ClientIdentity.NONE;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration responseTimeout = Duration.ofSeconds(10);
        private int maxConnections = 256;
        private UpstreamPolicy policy = UpstreamPolicy.DEFAULT;

        private RouteBuilder(String name, String listener) {
            this.name = name;
            this.listener = listener;
        }

        public RouteBuilder host(String host) {
            this.host = Optional.of(host);
            return this;
        }

        public RouteBuilder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        public RouteBuilder endpoint(int port) {
            return endpoint("127.0.0.1", port);
        }

        public RouteBuilder endpoint(String host, int port) {
            endpoints.add(new Endpoint(host, port));
            return this;
        }

        /** Upstream TLS trusting {@code trustCa}. */
        public RouteBuilder tls(Path trustCa) {
            this.mode = UpstreamTlsMode.TLS;
            this.trustCa = Optional.of(file(trustCa, "routes." + name + ".upstream.tls.trust-ca"));
            return this;
        }

        /** Upstream mTLS trusting {@code trustCa} and presenting {@code client}. */
        public RouteBuilder mtls(Path trustCa, TestPki.Leaf client) {
            tls(trustCa);
            this.mode = UpstreamTlsMode.MTLS;
            this.clientIdentity = Optional.of(pem(client, "routes." + name + ".upstream.tls"));
            return this;
        }

        public RouteBuilder serverName(String serverName) {
            this.serverName = Optional.of(serverName);
            return this;
        }

        public RouteBuilder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        public RouteBuilder expectedUriSans(String... uris) {
            this.expectedUriSans = List.of(uris);
            return this;
        }

        public RouteBuilder forward(ForwardClientCert forward) {
            this.forward = forward;
            return this;
        }

        public RouteBuilder identity(ClientIdentity identity) {
            this.identity = identity;
            return this;
        }

        public RouteBuilder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        public RouteBuilder responseTimeout(Duration timeout) {
            this.responseTimeout = timeout;
            return this;
        }

        public RouteBuilder maxConnections(int max) {
            this.maxConnections = max;
            return this;
        }

        /** Load-balancing, health checks, ejection, retries and the extra timeouts. */
        public RouteBuilder policy(UpstreamPolicy policy) {
            this.policy = policy;
            return this;
        }

        public RouteConfig build() {
            UpstreamTls tls =
                    new UpstreamTls(mode, trustCa, serverName, verifyHostname, expectedUriSans, clientIdentity);
            UpstreamConfig upstream = new UpstreamConfig(
                    endpoints,
                    UpstreamProtocol.H1,
                    tls,
                    connectTimeout,
                    responseTimeout,
                    maxConnections,
                    UpstreamConfig.Dns.DEFAULT,
                    policy);
            return new RouteConfig(
                    name,
                    listener,
                    new Match(host, prefix),
                    RouteProtocol.HTTP,
                    identity,
                    forward,
                    upstream,
                    SOURCE,
                    RequestRules.NONE);
        }
    }
}
