package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One origin address of one route: its address (one A/AAAA record of a host name, or an IP literal), its health
 * record and its count of open connections. Shared by every event loop, hence the atomics. A host name has one
 * of these per address, kept current by {@link EndpointResolver} off the event loops; a name that never resolved
 * has one without an address, which answers 502 with the reason.
 */
public final class UpstreamEndpoint {
    private static final AtomicIntegerFieldUpdater<UpstreamEndpoint> FAILURES =
            AtomicIntegerFieldUpdater.newUpdater(UpstreamEndpoint.class, "consecutiveFailures");

    private final String route;
    private final Endpoint endpoint;
    private final String text; // the access log's upstream field, on every request: formatted once
    private final EjectionPolicy ejection;
    private volatile int consecutiveFailures; // in the object: every route of ten thousand has an endpoint
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final EndpointHealth health = new EndpointHealth();
    private final InetSocketAddress address;
    private final String resolveError;
    private volatile long ejectedUntilNanos;
    private volatile long ejectedAtMillis;
    private volatile long streakStartNanos;
    private volatile boolean ejected;
    private volatile boolean retired;

    /** One address of {@code endpoint}. */
    public UpstreamEndpoint(String route, Endpoint endpoint, InetAddress ip, EjectionPolicy ejection) {
        this(route, endpoint, new InetSocketAddress(requireNonNull(ip, "ip"), endpoint.port()), null, ejection);
    }

    private UpstreamEndpoint(
            String route, Endpoint endpoint, InetSocketAddress address, String resolveError, EjectionPolicy ejection) {
        this.route = requireNonNull(route, "route");
        this.endpoint = requireNonNull(endpoint, "endpoint");
        this.text = endpoint.toString().intern(); // thousands of routes may share an origin: one copy
        this.ejection = requireNonNull(ejection, "ejection");
        this.address = address;
        this.resolveError = resolveError;
    }

    /**
     * One address of {@code endpoint}, as a socket address that other routes' endpoints may share: ten thousand
     * routes to one origin need not hold ten thousand copies of its address.
     */
    public static UpstreamEndpoint at(
            String route, Endpoint endpoint, InetSocketAddress address, EjectionPolicy ejection) {
        return new UpstreamEndpoint(route, endpoint, requireNonNull(address, "address"), null, ejection);
    }

    /** A host name that did not resolve (yet): requests through it get 502 with {@code error}. */
    public static UpstreamEndpoint unresolved(String route, Endpoint endpoint, String error, EjectionPolicy ejection) {
        return new UpstreamEndpoint(route, endpoint, null, requireNonNull(error, "error"), ejection);
    }

    /** The address to connect to, or null when the host never resolved. */
    public InetSocketAddress address() {
        return address;
    }

    /** The address as /upstreams and the metrics show it, {@code ip:port} ({@code [v6]:port}); null unresolved. */
    public String addressText() {
        if (address == null) {
            return null;
        }
        String ip = address.getAddress().getHostAddress();
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }

    public String resolveError() {
        return resolveError == null ? "cannot resolve " + endpoint.host() : resolveError;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public String route() {
        return route;
    }

    /** In rotation: not failing its active health checks, and not ejected after failed requests. */
    public boolean available(long nowNanos) {
        if (!health.healthy()) {
            return false;
        }
        if (!ejected) {
            return true;
        }
        if (nowNanos - ejectedUntilNanos >= 0) {
            // back in rotation with a clean record; one more failure streak ejects it again
            consecutiveFailures = 0;
            ejected = false;
            ejectedAtMillis = -System.currentTimeMillis(); // negative: when the ejection ended
            return true;
        }
        return false;
    }

    public boolean ejected() {
        return ejected;
    }

    public void recordSuccess() {
        consecutiveFailures = 0;
    }

    /** Returns true when this failure ejected the endpoint. */
    public boolean recordFailure(long nowNanos) {
        int streak = FAILURES.incrementAndGet(this);
        if (streak == 1) {
            streakStartNanos = nowNanos;
        } else if (nowNanos - streakStartNanos > ejection.window().toNanos()) {
            consecutiveFailures = 1; // the streak took longer than the window: it starts over with this one
            streakStartNanos = nowNanos;
            streak = 1;
        }
        if (streak >= ejection.consecutiveFailures() && !ejected) {
            ejectedUntilNanos = nowNanos + ejection.ejectFor().toNanos();
            ejectedAtMillis = System.currentTimeMillis();
            ejected = true;
            return true;
        }
        return false;
    }

    /**
     * When the current ejection began (epoch millis) while {@link #ejected}; after one, minus when it ended; 0 when
     * never ejected.
     */
    public long ejectedAtMillis() {
        return ejectedAtMillis;
    }

    /** Active health check state. */
    public EndpointHealth health() {
        return health;
    }

    /** Requests in flight to this endpoint (least-request balancing). */
    public AtomicInteger inFlight() {
        return inFlight;
    }

    public AtomicInteger openConnections() {
        return openConnections;
    }

    /** Set when a reload replaced the snapshot this endpoint belongs to: its pooled connections are closed. */
    public void retire() {
        retired = true;
    }

    public boolean retired() {
        return retired;
    }

    @Override
    public String toString() {
        return text;
    }
}
