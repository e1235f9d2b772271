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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients of {@link ClientInventory} against the expiry thresholds, evaluated with the certificate inventory
 * (on its timer and after each reload): {@code mtls_proxy_clients{listener,state}} counts them by their /clients
 * state ({@link ClientState}: the expiry states, {@code revoked}, {@code denied}), never one series per client, and
 * a client entering {@code expiring} or {@code critical} is logged once.
 */
final class ClientExpiry {
    private static final Logger log = LoggerFactory.getLogger(ClientExpiry.class);

    private final ClientInventory clients;
    private final MeterRegistry registry;
    private static final String EXPIRING = ExpiryState.EXPIRING.label();
    private static final String CRITICAL = ExpiryState.CRITICAL.label();

    /** listener → state → the count its gauge reads; a listener's gauges stay (at 0) once it had a client */
    private final Map<String, Map<String, AtomicLong>> counts = new HashMap<>();

    private final List<Meter> meters = new ArrayList<>();
    /** the clients last found expiring or critical, and which: a change of these is logged */
    private Map<ClientKey, String> warned = new HashMap<>();

    ClientExpiry(ClientInventory clients, MeterRegistry registry) {
        this.clients = requireNonNull(clients, "clients");
        this.registry = requireNonNull(registry, "registry");
    }

    synchronized void evaluate(Instant now, ExpiryConfig limits) {
        Map<String, Map<String, Long>> tally = new HashMap<>();
        Map<ClientKey, String> nowWarned = new HashMap<>();
        for (ClientRecord c : clients.snapshot()) {
            String state = ClientState.of(c, now, limits);
            tally.computeIfAbsent(c.listener(), l -> new HashMap<>()).merge(state, 1L, Long::sum);
            if (state.equals(EXPIRING) || state.equals(CRITICAL)) {
                nowWarned.put(c.key(), state);
                if (!state.equals(warned.get(c.key()))) {
                    log.warn(
                            "client certificate state changed: listener={} subject=\"{}\" serial={} sha256={}"
                                    + " state={} days_left={} not_after={}",
                            c.listener(),
                            c.subject(),
                            c.serial(),
                            c.sha256(),
                            state,
                            Duration.between(now, c.notAfter()).toDays(),
                            c.notAfter());
                }
            }
        }
        warned = nowWarned;
        tally.keySet().forEach(this::gauges);
        counts.forEach((listener, byState) -> byState.forEach((state, value) ->
                value.set(tally.getOrDefault(listener, Map.of()).getOrDefault(state, 0L))));
    }

    private void gauges(String listener) {
        counts.computeIfAbsent(listener, l -> {
            Map<String, AtomicLong> byState = new HashMap<>();
            for (String state : ClientState.ALL) {
                AtomicLong value = new AtomicLong();
                meters.add(Gauge.builder(MetricNames.CLIENTS, value, AtomicLong::get)
                        .description("Client certificates in /clients by listener and state")
                        .tags("listener", l, "state", state)
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
