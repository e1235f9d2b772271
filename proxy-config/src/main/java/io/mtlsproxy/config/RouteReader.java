package io.mtlsproxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Reads one element of {@code routes = [...]}: match, protocol, client identity and upstream. */
final class RouteReader {
    private RouteReader() {}

    static ParsedRoute read(Node n) {
        List<String> keys = new ArrayList<>(List.of(
                "name",
                "listener",
                "match",
                "protocol",
                "client-identity",
                "forward-client-cert",
                "upstream",
                "timeout"));
        keys.addAll(RequestRulesReader.KEYS);
        n.allowOnly(keys.toArray(String[]::new));
        String name = n.requiredText("name", "a route name, e.g. orders").orElse("");
        Syntax.checkName(name)
                .filter(x -> n.has("name"))
                .ifPresent(expected -> n.error("name", Syntax.quote(name) + " (expected: " + expected + ")"));
        // intern: thousands of routes name the same few listeners, hosts and origins; each would keep its own copy
        String listener = n.requiredText("listener", "the name of the listener this route serves")
                .map(String::intern)
                .orElse("");
        RouteProtocol protocol = Scalars.enumValue(n, "protocol", RouteProtocol.class, RouteProtocol.HTTP);
        Match match = n.object("match").map(m -> match(m, protocol)).orElse(new Match(Optional.empty(), "/"));
        Optional<Node> identityNode = n.object("client-identity");
        ClientIdentity identity = identityNode.map(RouteReader::clientIdentity).orElse(ClientIdentity.NONE);
        ForwardClientCert forward =
                Scalars.enumValue(n, "forward-client-cert", ForwardClientCert.class, ForwardClientCert.SANITIZE_SET);
        UpstreamConfig upstream = n.object("upstream")
                .map(u -> UpstreamReader.read(u, protocol, n.child("timeout")))
                .orElseGet(() -> {
                    if (!n.has("upstream")) {
                        n.missing("upstream", "upstream { endpoints = [\"host:port\"] }");
                    }
                    return new UpstreamConfig(
                            List.of(),
                            UpstreamProtocol.H1,
                            UpstreamTls.PLAIN,
                            UpstreamConfig.DEFAULT_CONNECT_TIMEOUT,
                            UpstreamConfig.DEFAULT_RESPONSE_TIMEOUT,
                            UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT);
                });
        RequestRules rules = RequestRulesReader.read(n, protocol);
        RouteConfig config =
                new RouteConfig(name, listener, match, protocol, identity, forward, upstream, n.source(), rules);
        return new ParsedRoute(
                config,
                n.path(),
                n.child("name").map(Node::source).orElse(n.source()),
                n.child("listener").map(Node::source).orElse(n.source()),
                n.child("match").map(Node::source).orElse(n.source()),
                identityNode.flatMap(i -> demand(i, identity)));
    }

    private static Match match(Node m, RouteProtocol protocol) {
        m.allowOnly("host", "path-prefix");
        Optional<String> host =
                m.text("host").map(h -> h.trim().toLowerCase(Locale.ROOT).intern());
        host.flatMap(Syntax::checkHostPattern)
                .ifPresent(expected -> m.error("host", Syntax.quote(host.get()) + " (expected: " + expected + ")"));
        String prefix = m.text("path-prefix", "/");
        if (!prefix.startsWith("/")) {
            m.error("path-prefix", Syntax.quote(prefix) + " (expected: a path starting with /, e.g. \"/orders\")");
        } else if (protocol == RouteProtocol.TCP && !prefix.equals("/")) {
            m.error(
                    "path-prefix",
                    Syntax.quote(prefix) + " on a tcp route (expected: no path-prefix: a tcp route"
                            + " relays bytes and never sees a path)");
        }
        return new Match(host, prefix.startsWith("/") ? prefix : "/" + prefix);
    }

    private static ClientIdentity clientIdentity(Node c) {
        c.allowOnly("require", "mode", "allow");
        boolean require = Scalars.bool(c, "require", false);
        IdentityMode mode = Scalars.enumValue(c, "mode", IdentityMode.class, IdentityMode.ENFORCE);
        AllowList allow = c.object("allow").map(RouteReader::allowList).orElse(AllowList.ANY);
        return new ClientIdentity(require, mode, allow);
    }

    static AllowList allowList(Node a) {
        a.allowOnly("subjects", "dns-sans", "uri-sans", "sha256-fingerprints", "aws-vpce-ids");
        List<String> subjects = CertificateNameLists.subjects(a);
        List<String> dnsSans = new ArrayList<>();
        for (Node s : a.stringList("dns-sans")) {
            String v = s.string().trim().toLowerCase(Locale.ROOT);
            Syntax.checkDnsSan(v)
                    .ifPresentOrElse(
                            expected -> s.error(Syntax.quote(v) + " (expected: " + expected + ")"),
                            () -> dnsSans.add(v));
        }
        List<String> uriSans = CertificateNameLists.uriSans(a, true);
        List<String> fingerprints = CertificateNameLists.sha256Fingerprints(a);
        List<String> vpceIds = new ArrayList<>();
        for (Node s : a.stringList("aws-vpce-ids")) {
            String v = s.string().trim().toLowerCase(Locale.ROOT);
            if (v.matches("vpce-[0-9a-f]{8,32}")) {
                vpceIds.add(v);
            } else {
                s.error(Syntax.quote(s.string()) + " (expected: an AWS VPC endpoint ID such as"
                        + " vpce-0123456789abcdef0)");
            }
        }
        return new AllowList(subjects, dnsSans, uriSans, fingerprints, vpceIds);
    }

    /** The key asking for a client certificate, if the route asks for one; only mTLS listeners can give it. */
    private static Optional<ParsedRoute.Demand> demand(Node c, ClientIdentity identity) {
        if (identity.require()) {
            return c.child("require").map(r -> new ParsedRoute.Demand(r.path(), r.source(), "require = true"));
        }
        if (identity.allow().namesCertificates()) {
            return c.child("allow").map(a -> new ParsedRoute.Demand(a.path(), a.source(), "an allow-list"));
        }
        return Optional.empty();
    }
}
