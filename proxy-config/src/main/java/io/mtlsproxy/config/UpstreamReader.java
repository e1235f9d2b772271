package io.mtlsproxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a route's {@code upstream} block: endpoints, protocol, outbound TLS and timeouts ({@link UpstreamPolicyReader} the rest). */
final class UpstreamReader {
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);

    private UpstreamReader() {}

    /** {@code routeTimeout} is the route's own {@code timeout} key (the whole request), kept with the upstream's. */
    static UpstreamConfig read(Node u, RouteProtocol routeProtocol, Optional<Node> routeTimeout) {
        List<String> known = new ArrayList<>(List.of(
                "endpoints",
                "protocol",
                "tls",
                "connect-timeout",
                "response-timeout",
                "max-connections-per-endpoint",
                "dns"));
        known.addAll(UpstreamPolicyReader.KEYS);
        u.allowOnly(known.toArray(String[]::new));
        List<Endpoint> endpoints = new ArrayList<>();
        if (!u.has("endpoints")) {
            u.missing("endpoints", "a list of host:port, e.g. endpoints = [\"10.0.0.5:9443\"]");
        } else if (u.isEmptyList("endpoints")) {
            u.error("endpoints", "empty (expected: at least one host:port)");
        }
        for (Node e : u.stringList("endpoints")) {
            Syntax.parseEndpoint(e.string())
                    .ifPresentOrElse(
                            endpoints::add,
                            () -> e.error(Syntax.quote(e.string()) + " (expected: " + Syntax.ENDPOINT_EXPECTED + ")"));
        }
        UpstreamProtocol protocol = Scalars.enumValue(u, "protocol", UpstreamProtocol.class, UpstreamProtocol.H1);
        if (routeProtocol == RouteProtocol.TCP && protocol == UpstreamProtocol.H2) {
            u.error("protocol", "h2 on a tcp route (expected: h1 or nothing: a tcp route relays bytes as they come)");
        }
        UpstreamTls tls = u.object("tls").map(UpstreamReader::tls).orElse(UpstreamTls.PLAIN);
        UpstreamPolicy policy = UpstreamPolicyReader.read(u, routeTimeout);
        if (protocol == UpstreamProtocol.H2
                && policy.healthCheck().flatMap(HealthCheck::path).isPresent()) {
            u.error(
                    "health-check.path",
                    "on an h2 upstream (expected: no path: the check of an h2 origin is its connect and TLS"
                            + " handshake)");
        }
        return new UpstreamConfig(
                endpoints,
                protocol,
                tls,
                Scalars.duration(u, "connect-timeout", UpstreamConfig.DEFAULT_CONNECT_TIMEOUT, MIN_TIMEOUT),
                Scalars.duration(u, "response-timeout", UpstreamConfig.DEFAULT_RESPONSE_TIMEOUT, MIN_TIMEOUT),
                Scalars.integer(
                        u,
                        "max-connections-per-endpoint",
                        UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT,
                        1,
                        Integer.MAX_VALUE),
                u.object("dns").map(UpstreamReader::dns).orElse(UpstreamConfig.Dns.DEFAULT),
                policy);
    }

    private static UpstreamConfig.Dns dns(Node d) {
        d.allowOnly("min-ttl", "max-ttl");
        UpstreamConfig.Dns defaults = UpstreamConfig.Dns.DEFAULT;
        Duration min = Scalars.duration(d, "min-ttl", defaults.minTtl(), Duration.ofSeconds(1));
        Duration max = Scalars.duration(d, "max-ttl", defaults.maxTtl(), Duration.ofSeconds(1));
        if (min.compareTo(max) > 0) {
            d.error(
                    "min-ttl",
                    Scalars.format(min) + " is above max-ttl " + Scalars.format(max)
                            + " (expected: min-ttl <= max-ttl)");
            return defaults;
        }
        return new UpstreamConfig.Dns(min, max);
    }

    /** The keys of an upstream {@code tls} block that only mean something with mode = tls or mtls. */
    private static final List<String> TLS_KEYS = List.of(
            "trust-ca",
            "server-name",
            "verify-hostname",
            "expected-uri-sans",
            KeyMaterialReader.CERT,
            KeyMaterialReader.KEY,
            KeyMaterialReader.KEYSTORE,
            KeyMaterialReader.KEYSTORE_PASSWORD);

    private static UpstreamTls tls(Node t) {
        List<String> keys = new ArrayList<>(TLS_KEYS);
        keys.add("mode");
        keys.add(KeyMaterialReader.RENEW);
        t.allowOnly(keys.toArray(String[]::new));
        Optional<UpstreamTlsMode> modeRead = Scalars.requiredEnum(t, "mode", UpstreamTlsMode.class);
        UpstreamTlsMode mode = modeRead.orElse(UpstreamTlsMode.TLS);
        Optional<FileRef> trustCa = t.file("trust-ca");
        Optional<String> serverName = t.text("server-name").map(String::trim);
        serverName
                .filter(s -> !Syntax.isHostname(s) && !Syntax.isIpv6(s))
                .ifPresent(s -> t.error(
                        "server-name",
                        Syntax.quote(s) + " (expected: a host name such as orders.internal, without a port)"));
        boolean verifyHostname = Scalars.bool(t, "verify-hostname", true);
        List<String> expectedUriSans = new ArrayList<>();
        for (Node s : t.stringList("expected-uri-sans")) {
            Syntax.checkUriSan(s.string(), false)
                    .ifPresentOrElse(
                            expected -> s.error(Syntax.quote(s.string()) + " (expected: " + expected + ")"),
                            () -> expectedUriSans.add(s.string()));
        }
        Optional<KeyMaterial> identity = KeyMaterialReader.read(t);
        if (modeRead.isPresent()) {
            checkAgainstMode(t, mode);
        }
        if (mode == UpstreamTlsMode.PLAIN) {
            return UpstreamTls.PLAIN;
        }
        return new UpstreamTls(
                mode,
                trustCa,
                serverName,
                verifyHostname,
                expectedUriSans,
                mode == UpstreamTlsMode.MTLS ? identity : Optional.empty());
    }

    private static void checkAgainstMode(Node t, UpstreamTlsMode mode) {
        Source modeLine = t.child("mode").map(Node::source).orElse(t.source());
        if (mode == UpstreamTlsMode.PLAIN) {
            for (String key : TLS_KEYS) {
                if (t.has(key)) {
                    t.error(key, "given with mode = plain (expected: mode = tls or mtls to use it)");
                }
            }
        } else if (mode == UpstreamTlsMode.TLS) {
            for (String key : List.of(
                    KeyMaterialReader.CERT,
                    KeyMaterialReader.KEY,
                    KeyMaterialReader.KEYSTORE,
                    KeyMaterialReader.KEYSTORE_PASSWORD)) {
                if (t.has(key)) {
                    t.error(
                            key,
                            "a client identity is presented with mode = mtls only (expected: mode = mtls," + " or no "
                                    + key + ")");
                }
            }
        } else if (!KeyMaterialReader.mentionsAny(t)) {
            t.problems()
                    .add(
                            modeLine,
                            t.pathOf(KeyMaterialReader.CERT),
                            "missing (expected: the route's client"
                                    + " identity for mode = mtls: cert + key, or keystore)");
        }
    }
}
