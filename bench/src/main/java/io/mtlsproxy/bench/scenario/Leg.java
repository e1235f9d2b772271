package io.mtlsproxy.bench.scenario;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One inbound → outbound combination. Every peer exposes one listening port per leg, so that a scenario only
 * picks the port; the five legs below are the ones the scenarios use.
 */
public record Leg(Hop inbound, Hop outbound) {
    public static final Leg PLAIN_PLAIN = new Leg(Hop.PLAIN, Hop.PLAIN);
    public static final Leg TLS_PLAIN = new Leg(Hop.TLS, Hop.PLAIN);
    public static final Leg MTLS_PLAIN = new Leg(Hop.MTLS, Hop.PLAIN);
    public static final Leg MTLS_TLS = new Leg(Hop.MTLS, Hop.TLS);
    public static final Leg MTLS_MTLS = new Leg(Hop.MTLS, Hop.MTLS);

    public static final List<Leg> ALL = List.of(PLAIN_PLAIN, TLS_PLAIN, MTLS_PLAIN, MTLS_TLS, MTLS_MTLS);

    public Leg {
        requireNonNull(inbound, "inbound");
        requireNonNull(outbound, "outbound");
    }

    /** {@code mtls-tls}: used in config names (listener, route, nginx upstream, haproxy frontend). */
    public String id() {
        return inbound.id() + "-" + outbound.id();
    }

    /** {@code mTLS→TLS}: used in the results table. */
    public String label() {
        return inbound.label() + "→" + outbound.label();
    }
}
