package io.mtlsproxy.admin.inventory;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.clients.ClientInventory;
import io.mtlsproxy.core.clients.ClientKey;
import io.mtlsproxy.core.clients.ClientRecord;
import io.mtlsproxy.core.metrics.MetricNames;
import io.mtlsproxy.core.tls.ExpiryState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients of {@link ClientInventory} against the expiry thresholds, evaluated with the certificate inventory
 * (on its timer and after each reload): {@code mtls_proxy_clients{listener,state}} counts them, never one series
 * per client, and a client entering {@code expiring} or {@code critical} is logged once.
 */
final class ClientExpiry {
    private static final Logger log = LoggerFactory.getLogger(ClientExpiry.class);

    private final ClientInventory clients;
    private final MeterRegistry registry;
    /** listener → state → the count its gauge reads; a listener's gauges stay (at 0) once it had a client */
    private final Map<String, EnumMap<ExpiryState, AtomicLong>> counts = new HashMap<>();

    private final List<Meter> meters = new ArrayList<>();
    /** the clients last found expiring or critical, and which: a change of these is logged */
    private Map<ClientKey, ExpiryState> warned = new HashMap<>();

    ClientExpiry(ClientInventory clients, MeterRegistry registry) {
        this.clients = requireNonNull(clients, "clients");
        this.registry = requireNonNull(registry, "registry");
    }

    synchronized void evaluate(Instant now, ExpiryConfig limits) {
        Map<String, EnumMap<ExpiryState, Long>> tally = new HashMap<>();
        Map<ClientKey, ExpiryState> nowWarned = new HashMap<>();
        for (ClientRecord c : clients.snapshot()) {
            ExpiryState state = ExpiryState.of(c.notBefore(), c.notAfter(), now, limits);
            tally.computeIfAbsent(c.listener(), l -> new EnumMap<>(ExpiryState.class))
                    .merge(state, 1L, Long::sum);
            if (state == ExpiryState.EXPIRING || state == ExpiryState.CRITICAL) {
                nowWarned.put(c.key(), state);
                if (warned.get(c.key()) != state) {
                    log.warn(
                            "client certificate state changed: listener={} subject=\"{}\" serial={} sha256={}"
                                    + " state={} days_left={} not_after={}",
                            c.listener(),
                            c.subject(),
                            c.serial(),
                            c.sha256(),
                            state.label(),
                            Duration.between(now, c.notAfter()).toDays(),
                            c.notAfter());
                }
            }
        }
        warned = nowWarned;
        tally.keySet().forEach(this::gauges);
        counts.forEach((listener, byState) -> byState.forEach((state, value) -> value.set(
                tally.getOrDefault(listener, new EnumMap<>(ExpiryState.class)).getOrDefault(state, 0L))));
    }

    private void gauges(String listener) {
        counts.computeIfAbsent(listener, l -> {
            EnumMap<ExpiryState, AtomicLong> byState = new EnumMap<>(ExpiryState.class);
            for (ExpiryState state : ExpiryState.values()) {
                AtomicLong value = new AtomicLong();
                meters.add(Gauge.builder(MetricNames.CLIENTS, value, AtomicLong::get)
                        .description("Client certificates in /clients by listener and expiry state")
                        .tags("listener", l, "state", state.label())
                        .strongReference(true)
                        .register(registry));
                byState.put(state, value);
            }
            return byState;
        });
    }

    /** Removes the gauges. */
    synchronized void close() {
        meters.forEach(registry::remove);
        meters.clear();
        counts.clear();
    }
}
