package io.mtlsproxy.core.reload;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.RouteProtocol;
import io.mtlsproxy.config.SameMeaning;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.config.UpstreamTlsMode;
import io.mtlsproxy.core.identity.IdentityPolicy;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.revocation.CrlFetcher;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.routing.Router;
import io.mtlsproxy.core.tls.ClientTls;
import io.mtlsproxy.core.tls.FileDigest;
import io.mtlsproxy.core.tls.KeyCache;
import io.mtlsproxy.core.tls.ServerTls;
import io.mtlsproxy.core.tls.TicketKeys;
import io.mtlsproxy.core.tls.TlsProvider;
import io.mtlsproxy.core.upstream.EjectionPolicy;
import io.mtlsproxy.core.upstream.EndpointResolver;
import io.mtlsproxy.core.upstream.OriginDns;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import io.mtlsproxy.core.upstream.UpstreamEndpoint;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link Snapshot} from a configuration: every SslContext (once per load, never per connection), every
 * identity policy and routing table, and the first resolution of every origin name. Blocking (file reads, DNS):
 * call it from a start, reload or admin thread, never from an event loop. Every problem is collected before it
 * fails.
 */
public final class SnapshotBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBuilder.class);

    private final EjectionPolicy ejection;
    private final OriginDns dns;
    private final CrlFetcher crls;
    /** server keys of the last build, by file contents: a reload reads only the certificates that changed */
    private final KeyCache keys = new KeyCache();

    public SnapshotBuilder(EjectionPolicy ejection, OriginDns dns) {
        this(ejection, dns, CrlFetcher.once());
    }

    /** {@code crls} holds the CRLs listeners name by URL, fetched on first use and kept fresh. */
    public SnapshotBuilder(EjectionPolicy ejection, OriginDns dns, CrlFetcher crls) {
        this.ejection = requireNonNull(ejection, "ejection");
        this.dns = requireNonNull(dns, "dns");
        this.crls = requireNonNull(crls, "crls");
    }

    public Snapshot build(ProxyConfig config) throws ConfigException {
        return build(config, null);
    }

    /**
     * Builds a snapshot for a reload: a route whose upstream settings and TLS material are unchanged keeps the
     * {@code previous} snapshot's cluster, with its pooled connections and endpoint health (see
     * {@link ClusterCarryOver}); every other route gets new endpoints, hence new connections. A listener whose TLS
     * inputs are unchanged keeps its contexts ({@link ListenerTlsCarryOver}); one that must be built again takes
     * unchanged certificates and keys from the {@link KeyCache}. A reload thus costs what changed.
     */
    public Snapshot build(ProxyConfig config, Snapshot previous) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        Map<String, Route> routes = new LinkedHashMap<>();
        Map<String, FileDigest> upstreamFiles = new HashMap<>();
        Map<String, List<Route>> byListener = new HashMap<>();
        Map<String, List<Route>> tcpByListener = new HashMap<>();
        int routesKept = 0;
        Map<Endpoint, InetSocketAddress> literals = new HashMap<>(); // one address object per origin, not per route
        Set<String> listenerNames = new HashSet<>();
        config.listeners().forEach(l -> listenerNames.add(l.name()));
        for (RouteConfig rc : config.routes()) {
            if (!listenerNames.contains(rc.listener())) {
                errors.add(new ConfigError(
                        rc.source(), "routes." + rc.name() + ".listener", "unknown listener " + rc.listener()));
                continue;
            }
            if (rc.upstream().endpoints().isEmpty()) {
                errors.add(new ConfigError(
                        rc.source(),
                        "routes." + rc.name() + ".upstream.endpoints",
                        "empty (expected: at least one host:port)"));
                continue;
            }
            Optional<FileDigest> files = RouteCarryOver.upstreamFiles(previous, rc);
            Optional<UpstreamCluster> kept = ClusterCarryOver.unchanged(previous, rc, files);
            UpstreamCluster cluster;
            if (kept.isPresent()) {
                cluster = kept.get(); // nothing it was built from changed: no TLS context is built again
            } else {
                Optional<ClientTls> tls = Optional.empty();
                if (rc.upstream().tls().mode() != UpstreamTlsMode.PLAIN) {
                    try {
                        tls = Optional.of(
                                ClientTls.build(rc, Alpn.upstream(rc.upstream().protocol())));
                    } catch (ConfigException e) {
                        errors.addAll(e.errors());
                        continue;
                    }
                }
                Optional<ClientTls> upstreamTls = tls;
                cluster = ClusterCarryOver.reusable(previous, rc, tls)
                        .orElseGet(() -> newCluster(rc, upstreamTls, literals));
            }
            files.ifPresent(f -> upstreamFiles.put(rc.name(), f));
            Optional<Route> whole = RouteCarryOver.whole(previous, rc, cluster);
            if (whole.isPresent()) {
                routesKept++;
                add(whole.get(), routes, byListener, tcpByListener);
                continue;
            }
            Optional<Route> old = previous == null
                    ? Optional.empty()
                    : Optional.ofNullable(previous.routes().get(rc.name()));
            boolean samePolicy =
                    old.isPresent() && SameMeaning.test(old.get().config().clientIdentity(), rc.clientIdentity());
            if (samePolicy
                    && old.get().upstream() == cluster
                    && SameMeaning.test(old.get().config(), rc)) {
                routesKept++;
            }
            Route route =
                    new Route(rc, samePolicy ? old.get().policy() : IdentityPolicy.of(rc.clientIdentity()), cluster);
            add(route, routes, byListener, tcpByListener);
        }
        Optional<TicketKeys> tickets = ticketKeys(config, errors);
        Map<String, String> policies = routePolicies(config);
        Map<String, Listener> listeners = new LinkedHashMap<>();
        Map<String, ListenerTlsCarryOver.Inputs> tlsInputs = new HashMap<>();
        int tlsKept = 0;
        int tlsBuilt = 0;
        for (ListenerConfig lc : config.listeners()) {
            Optional<ServerTls> tls = Optional.empty();
            if (lc.tls().mode() != TlsMode.NONE) {
                List<String> alpn =
                        Alpn.listener(byListener.containsKey(lc.name()), tcpByListener.containsKey(lc.name()));
                String policy = policies.getOrDefault(lc.name(), "");
                Optional<ListenerTlsCarryOver.Inputs> inputs =
                        ListenerTlsCarryOver.inputs(config, lc, alpn, policy, crls.held(lc.tls()));
                tls = ListenerTlsCarryOver.reusable(previous, lc.name(), inputs);
                if (tls.isPresent()) {
                    tlsKept++;
                } else {
                    try {
                        tls = Optional.of(ServerTls.build(lc, alpn, tickets, policy, keys, crls));
                        tlsBuilt++;
                    } catch (ConfigException e) {
                        errors.addAll(e.errors());
                        continue;
                    }
                    // the build fetched any CRL URL it had not yet: remember the CRLs it was built with
                    inputs = inputs.map(i -> i.withFetchedCrls(crls.held(lc.tls())));
                }
                inputs.ifPresent(i -> tlsInputs.put(lc.name(), i));
            }
            Listener previousListener = previous == null ? null : previous.listener(lc.name());
            listeners.put(
                    lc.name(),
                    new Listener(
                            lc,
                            tls,
                            Router.of(
                                    byListener.getOrDefault(lc.name(), List.of()),
                                    previousListener == null ? null : previousListener.router()),
                            Router.of(
                                    tcpByListener.getOrDefault(lc.name(), List.of()),
                                    previousListener == null ? null : previousListener.tcpRouter())));
        }
        KeyCache.Counts keyCounts = keys.finish(config.listeners().stream()
                .flatMap(l -> l.tls().certificates().stream())
                .toList());
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        BuildCounts counts = new BuildCounts(
                routes.size() - routesKept, routesKept, tlsBuilt, tlsKept, keyCounts.loaded(), keyCounts.reused());
        return new Snapshot(config, listeners, routes, new Snapshot.Inputs(tlsInputs, upstreamFiles), counts);
    }

    private static void add(
            Route route,
            Map<String, Route> routes,
            Map<String, List<Route>> byListener,
            Map<String, List<Route>> tcpByListener) {
        routes.put(route.name(), route);
        (route.config().protocol() == RouteProtocol.TCP ? tcpByListener : byListener)
                .computeIfAbsent(route.config().listener(), k -> new ArrayList<>())
                .add(route);
    }

    /** The fleet's shared ticket keys, read once per build; they need BoringSSL to be installed. */
    private static Optional<TicketKeys> ticketKeys(ProxyConfig config, List<ConfigError> errors) {
        if (config.sessionTicketKeys().isEmpty()) {
            return Optional.empty();
        }
        FileRef file = config.sessionTicketKeys().get();
        if (TlsProvider.provider() != SslProvider.OPENSSL) {
            errors.add(file.error("shared ticket keys need the OpenSSL (BoringSSL) provider, and this proxy runs"
                    + " the JDK's (expected: no session-tickets block, or netty-tcnative available)"));
            return Optional.empty();
        }
        try {
            return Optional.of(TicketKeys.read(file));
        } catch (ConfigException e) {
            errors.addAll(e.errors());
            return Optional.empty();
        }
    }

    /**
     * The identity policy of every route of each listener, as text: a ticket is bound to it (see TicketKeys), and
     * a listener's TLS is kept over a reload only when it is unchanged. One pass over the routes.
     */
    private static Map<String, String> routePolicies(ProxyConfig config) {
        Map<String, StringBuilder> byListener = new HashMap<>();
        Map<ClientIdentity, String> texts = new HashMap<>(); // most routes share a few policies: print each once
        for (RouteConfig rc : config.routes()) {
            byListener
                    .computeIfAbsent(rc.listener(), k -> new StringBuilder())
                    .append(rc.name())
                    .append('=')
                    .append(texts.computeIfAbsent(rc.clientIdentity(), String::valueOf))
                    .append(';');
        }
        Map<String, String> policies = new HashMap<>();
        byListener.forEach((listener, text) -> policies.put(listener, text.toString()));
        return policies;
    }

    /**
     * A cluster with every address of every endpoint: an IP literal as it is, a host name as its A/AAAA records
     * say now (blocking: this runs on a start or reload thread), to be asked again when they expire.
     */
    private UpstreamCluster newCluster(
            RouteConfig rc, Optional<ClientTls> tls, Map<Endpoint, InetSocketAddress> literals) {
        // the route's passive-ejection, else the server's
        EjectionPolicy ejection =
                rc.upstream().policy().passiveEjection().map(EjectionPolicy::of).orElse(this.ejection);
        List<UpstreamEndpoint> endpoints = new ArrayList<>();
        Map<Endpoint, Long> due = new HashMap<>();
        for (Endpoint e : rc.upstream().endpoints()) {
            if (!EndpointResolver.isName(e)) {
                InetSocketAddress address =
                        literals.computeIfAbsent(e, x -> new InetSocketAddress(literal(x.host()), x.port()));
                endpoints.add(UpstreamEndpoint.at(rc.name(), e, address, ejection));
                continue;
            }
            try {
                OriginDns.Answer answer = dns.resolveNow(e.host());
                answer.addresses().forEach(a -> endpoints.add(new UpstreamEndpoint(rc.name(), e, a, ejection)));
                due.put(
                        e,
                        System.nanoTime()
                                + rc.upstream().dns().clamp(answer.ttl()).toNanos());
            } catch (UnknownHostException failure) {
                // not fatal: DNS may come up after the proxy; requests get 502 until it resolves
                String error = "cannot resolve " + e.host() + ": " + failure.getMessage();
                LOG.warn("route {}: {}", rc.name(), error);
                endpoints.add(UpstreamEndpoint.unresolved(rc.name(), e, error, ejection));
                due.put(e, System.nanoTime() + rc.upstream().dns().minTtl().toNanos());
            }
        }
        UpstreamCluster cluster = new UpstreamCluster(rc.name(), rc.upstream(), endpoints, tls, ejection);
        due.forEach(cluster::resolveAgainAt);
        return cluster;
    }

    private static InetAddress literal(String ip) {
        try {
            return InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(ip)); // no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }
}
