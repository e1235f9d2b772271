package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.ForwardClientCert;
import io.mtlsproxy.config.KeyMaterial;
import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.Match;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.RequestRules;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.RouteProtocol;
import io.mtlsproxy.config.Source;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.config.UpstreamProtocol;
import io.mtlsproxy.config.UpstreamTls;
import io.mtlsproxy.config.UpstreamTlsMode;
import io.mtlsproxy.core.testing.TestPki;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Config records as the loader would make them, pointing at a TestPki's files, with recognisable lines. */
final class TestConfigs {
    static final String FILE = "proxy.conf";

    private TestConfigs() {}

    static Source line(int line) {
        return new Source(FILE, line);
    }

    static FileRef ref(Path path, String key, int line) {
        return new FileRef(path, key, line(line));
    }

    /** {@code certificates[i] = { cert, key }} of listener {@code name}, on lines 10+2i and 11+2i. */
    static KeyMaterial pem(String listener, int index, TestPki.Leaf leaf) {
        return pem(listener, index, leaf.certFile(), leaf.keyFile());
    }

    static KeyMaterial pem(String listener, int index, Path cert, Path key) {
        String base = "listeners." + listener + ".tls.certificates[" + index + "]";
        return KeyMaterial.pem(
                ref(cert, base + ".cert", 10 + 2 * index),
                ref(key, base + ".key", 11 + 2 * index),
                base,
                line(10 + 2 * index));
    }

    static KeyMaterial pkcs12(String listener, int index, Path keystore, String password) {
        String base = "listeners." + listener + ".tls.certificates[" + index + "]";
        return KeyMaterial.pkcs12(
                ref(keystore, base + ".keystore", 10 + 2 * index),
                Optional.ofNullable(password),
                base,
                line(10 + 2 * index));
    }

    static ListenerConfig tls(String name, KeyMaterial... certificates) {
        return listener(
                name,
                new ListenerTls(
                        TlsMode.TLS,
                        ClientAuth.REQUIRED,
                        List.of(certificates),
                        Optional.empty(),
                        Optional.empty(),
                        2,
                        ListenerTls.DEFAULT_PROTOCOLS,
                        true,
                        DenyList.EMPTY,
                        true,
                        Optional.empty(),
                        List.of(),
                        OcspSettings.OFF));
    }

    /** An mTLS listener: client-ca on line 30, crl on line 31. */
    static ListenerConfig mtls(
            String name, ClientAuth auth, Path clientCa, Path crl, int verifyDepth, KeyMaterial... certificates) {
        return mtls(name, auth, clientCa, crl, verifyDepth, ListenerTls.DEFAULT_PROTOCOLS, certificates);
    }

    static ListenerConfig mtls(
            String name,
            ClientAuth auth,
            Path clientCa,
            Path crl,
            int verifyDepth,
            List<String> protocols,
            KeyMaterial... certificates) {
        String base = "listeners." + name + ".tls";
        return listener(
                name,
                new ListenerTls(
                        TlsMode.MTLS,
                        auth,
                        List.of(certificates),
                        Optional.ofNullable(clientCa).map(p -> ref(p, base + ".client-ca", 30)),
                        Optional.ofNullable(crl).map(p -> ref(p, base + ".crl", 31)),
                        verifyDepth,
                        protocols,
                        true,
                        DenyList.EMPTY,
                        true,
                        Optional.empty(),
                        List.of(),
                        OcspSettings.OFF));
    }

    private static ListenerConfig listener(String name, ListenerTls tls) {
        return new ListenerConfig(name, "127.0.0.1", 0, false, tls, Limits.DEFAULT, line(5));
    }

    /** A route whose upstream TLS is given; trust-ca on line 60, client identity on lines 61/62. */
    static RouteConfig route(String name, UpstreamTls tls) {
        UpstreamConfig upstream = new UpstreamConfig(
                List.of(new Endpoint("127.0.0.1", 9)),
                UpstreamProtocol.H1,
                tls,
                UpstreamConfig.DEFAULT_CONNECT_TIMEOUT,
                UpstreamConfig.DEFAULT_RESPONSE_TIMEOUT,
                UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT);
        return new RouteConfig(
                name,
                "public",
                new Match(Optional.empty(), "/"),
                RouteProtocol.HTTP,
                ClientIdentity.NONE,
                ForwardClientCert.SANITIZE_SET,
                upstream,
                line(50),
                RequestRules.NONE);
    }

    static UpstreamTls upstream(
            String route,
            UpstreamTlsMode mode,
            Path trustCa,
            String serverName,
            List<String> expectedUriSans,
            TestPki.Leaf clientIdentity) {
        String base = "routes." + route + ".upstream.tls";
        Optional<KeyMaterial> identity = Optional.ofNullable(clientIdentity)
                .map(l -> KeyMaterial.pem(
                        ref(l.certFile(), base + ".cert", 61), ref(l.keyFile(), base + ".key", 62), base, line(61)));
        return new UpstreamTls(
                mode,
                Optional.ofNullable(trustCa).map(p -> ref(p, base + ".trust-ca", 60)),
                Optional.ofNullable(serverName),
                true,
                expectedUriSans,
                identity);
    }
}
