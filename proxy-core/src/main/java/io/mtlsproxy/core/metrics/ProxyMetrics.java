package io.mtlsproxy.core.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mtlsproxy.core.clients.ClientInventory;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.identity.TlsFailureReason;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The data path's instruments, named as in DESIGN.md. Core speaks only Micrometer's API; the admin module
 * supplies the Prometheus registry. Label values are bounded: listener and route names, status codes and
 * reason enums, never a client address or subject. Meters are looked up once per label set and cached, so a
 * request costs a map lookup and an increment.
 *
 * <p>Micrometer names are given without the suffixes its Prometheus naming convention adds: a counter
 * {@code x} is exported as {@code x_total}, a timer {@code x} as the histogram {@code x_seconds}, a summary
 * with base unit seconds {@code x} as {@code x_seconds}. {@link MetricNames} holds the exported names.
 */
public final class ProxyMetrics {
    /** Request duration buckets: sub-millisecond proxying up to the longest sensible response timeout. */
    static final Duration[] DURATION_BUCKETS = {
        Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)
    };

    /** Client certificate lifetime buckets, in seconds: 1, 3, 7, 14, 30, 90, 180, 365 days. */
    static final double[] REMAINING_BUCKETS = {
        86_400, 3 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400, 90 * 86_400, 180 * 86_400, 365 * 86_400
    };

    private final MeterRegistry registry;
    private final TlsFailureLog failures = new TlsFailureLog(100);
    private final ClientInventory clients = new ClientInventory(ClientInventory.DEFAULT_MAX_TRACKED);
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    /** listener → route → that pair's request meters: two lookups of cached-hash strings, no key to build. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, RequestMeters>> requests =
            new ConcurrentHashMap<>();
    /** Successful handshakes by name, one map per side: counted per handshake without building a key. */
    private final ConcurrentHashMap<String, Counter> inboundHandshakes = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<String, Counter> upstreamHandshakes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, DistributionSummary> remaining = new ConcurrentHashMap<>();
    private static final String RATE_LIMIT_HELP = "Requests (TCP: connections) of rate-limited routes by result";
    /** route → its allowed and limited counters */
    private final ConcurrentHashMap<String, Counter[]> rateLimits = new ConcurrentHashMap<>();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
        // Both reload series exist from the start: increase() in an alert cannot see a series' first sample.
        counter("mtls_proxy_config_reloads", "Configuration reloads by result", "result", "success");
        counter("mtls_proxy_config_reloads", "Configuration reloads by result", "result", "failure");
        FunctionCounter.builder("mtls_proxy_clients_dropped", clients, ClientInventory::dropped)
                .description("Clients dropped from /clients to stay within clients.max-tracked")
                .register(registry);
    }

    /** Metrics into a throwaway registry: for tests and tools that don't export. */
    public static ProxyMetrics inMemory() {
        return new ProxyMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The last 100 failed handshakes, both sides, newest last. */
    public TlsFailureLog failures() {
        return failures;
    }

    /** Every client certificate seen on the mTLS listeners (GET /clients). */
    public ClientInventory clients() {
        return clients;
    }

    public void requestCompleted(String listener, String route, int status, long durationNanos) {
        requestMeters(listener, route).record(status, durationNanos);
    }

    /** The request counters and duration histogram of one listener and route, registered on first use. */
    RequestMeters requestMeters(String listener, String route) {
        ConcurrentHashMap<String, RequestMeters> byRoute = requests.get(listener);
        if (byRoute == null) {
            byRoute = requests.computeIfAbsent(listener, l -> new ConcurrentHashMap<>());
        }
        RequestMeters meters = byRoute.get(route);
        return meters != null ? meters : byRoute.computeIfAbsent(route, r -> new RequestMeters(listener, r));
    }

    /** Open connections of a listener; the gauge is registered the first time a listener is seen. */
    public AtomicInteger activeConnections(String listener) {
        return connections.computeIfAbsent(listener, l -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("mtls_proxy_active_connections", value, AtomicInteger::get)
                    .description("Open client connections")
                    .tag("listener", l)
                    .strongReference(true)
                    .register(registry);
            return value;
        });
    }

    public void handshakeSucceeded(Side side, String name) {
        ConcurrentHashMap<String, Counter> byName = side == Side.INBOUND ? inboundHandshakes : upstreamHandshakes;
        Counter c = byName.get(name);
        if (c == null) {
            c = byName.computeIfAbsent(
                    name,
                    k -> counter(
                            "mtls_proxy_tls_handshakes",
                            HANDSHAKES_HELP,
                            "side",
                            side.label(),
                            "name",
                            name,
                            "result",
                            "success",
                            "reason",
                            "none"));
        }
        c.increment();
    }

    public void handshakeFailed(TlsFailure failure) {
        counter(
                        "mtls_proxy_tls_handshakes",
                        HANDSHAKES_HELP,
                        "side",
                        failure.side().label(),
                        "name",
                        failure.name(),
                        "result",
                        "failure",
                        "reason",
                        failure.reason().label())
                .increment();
        failures.add(failure);
    }

    public void upstreamError(String route, UpstreamErrorReason reason) {
        counter(
                        "mtls_proxy_upstream_errors",
                        "Failed requests to origins, by route and reason",
                        "route",
                        route,
                        "reason",
                        reason.label())
                .increment();
    }

    public void configReload(boolean success) {
        counter(
                        "mtls_proxy_config_reloads",
                        "Configuration reloads by result",
                        "result",
                        success ? "success" : "failure")
                .increment();
    }

    /** A request of {@code peer} on {@code listener} that the route's allow-list did not admit. */
    public void identityDenied(String listener, PeerIdentity peer, String route, boolean enforced) {
        clients.identityDenied(listener, peer);
        identityDenied(route, enforced);
    }

    /** An open connection closed because a reload revoked or denied its client ({@code reason}). */
    public void revokedConnectionClosed(String listener, TlsFailureReason reason) {
        counter(
                        "mtls_proxy_revoked_connections_closed",
                        "Open client connections closed because a reload revoked or denied their client",
                        "listener",
                        listener,
                        "reason",
                        reason.label())
                .increment();
    }

    /** An OCSP result: {@code use} = staple or client, {@code result} = good, revoked, unknown or error. */
    public void ocspResponse(String use, String result) {
        counter(
                        "mtls_proxy_ocsp_responses",
                        "OCSP results: responses fetched for staples, client certificate checks by status",
                        "use",
                        use,
                        "result",
                        result)
                .increment();
    }

    public void identityDenied(String route, boolean enforced) {
        counter(
                        "mtls_proxy_identity_denials",
                        "Client certificates the route's allow-list did not admit",
                        "route",
                        route,
                        "mode",
                        enforced ? "enforce" : "report-only")
                .increment();
    }

    /**
     * A rate-limited route's decision: {@code result} = {@code allowed} or {@code limited}. Both series of a route
     * are looked up once, then a request costs a map lookup and an increment.
     */
    public void rateLimited(String route, boolean limited) {
        Counter[] pair = rateLimits.get(route);
        if (pair == null) {
            pair = rateLimits.computeIfAbsent(route, r -> new Counter[] {
                counter("mtls_proxy_rate_limit_requests", RATE_LIMIT_HELP, "route", r, "result", "allowed"),
                counter("mtls_proxy_rate_limit_requests", RATE_LIMIT_HELP, "route", r, "result", "limited")
            });
        }
        pair[limited ? 1 : 0].increment();
    }

    /** Remaining lifetime of a client certificate seen in a handshake. */
    public void clientCertificateSeen(String listener, long remainingSeconds) {
        DistributionSummary summary = remaining.get(listener);
        if (summary == null) {
            summary = remaining.computeIfAbsent(
                    listener,
                    l -> DistributionSummary.builder("mtls_proxy_client_cert_remaining")
                            .description("Remaining lifetime of client certificates seen in handshakes")
                            .baseUnit("seconds")
                            .tag("listener", l)
                            .serviceLevelObjectives(REMAINING_BUCKETS)
                            .register(registry));
        }
        summary.record(Math.max(0, remainingSeconds));
    }

    private static final String HANDSHAKES_HELP = "TLS handshakes by side, listener or route name, result and reason";

    private Counter counter(String name, String help, String... tags) {
        StringBuilder key = new StringBuilder(name);
        for (String t : tags) {
            key.append('\0').append(t);
        }
        return counters.computeIfAbsent(
                key.toString(),
                k -> Counter.builder(name).description(help).tags(tags).register(registry));
    }

    /**
     * {@code mtls_proxy_requests_total} by status and {@code mtls_proxy_request_duration_seconds} of one listener
     * and route: a request costs an array read and two increments, not a string key per request.
     */
    final class RequestMeters {
        private static final int FIRST_STATUS = 100;
        private static final int LAST_STATUS = 599;

        private final String listener;
        private final String route;
        private final Timer duration;
        private final AtomicReferenceArray<Counter> byStatus =
                new AtomicReferenceArray<>(LAST_STATUS - FIRST_STATUS + 1);

        private RequestMeters(String listener, String route) {
            this.listener = listener;
            this.route = route;
            this.duration = Timer.builder("mtls_proxy_request_duration")
                    .description("Time from the request's first byte to the response's last")
                    .tags("listener", listener, "route", route)
                    .serviceLevelObjectives(DURATION_BUCKETS)
                    .register(registry);
        }

        void record(int status, long durationNanos) {
            counter(status).increment();
            duration.record(durationNanos, TimeUnit.NANOSECONDS);
        }

        private Counter counter(int status) {
            if (status < FIRST_STATUS || status > LAST_STATUS) {
                return newCounter(status); // not a real status: the registry's own lookup is good enough
            }
            Counter c = byStatus.get(status - FIRST_STATUS);
            if (c == null) {
                c = newCounter(status);
                byStatus.set(status - FIRST_STATUS, c); // a race registers the same meter twice: same instance
            }
            return c;
        }

        private Counter newCounter(int status) {
            return ProxyMetrics.this.counter(
                    "mtls_proxy_requests",
                    "Requests answered, by listener, route and status code",
                    "listener",
                    listener,
                    "route",
                    route,
                    "status",
                    Integer.toString(status));
        }
    }

    /** Which side of the proxy a handshake was on. */
    public enum Side {
        INBOUND,
        UPSTREAM;

        public String label() {
            return this == INBOUND ? "inbound" : "upstream";
        }
    }
}
