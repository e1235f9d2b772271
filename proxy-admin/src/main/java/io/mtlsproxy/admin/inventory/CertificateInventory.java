package io.mtlsproxy.admin.inventory;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.metrics.MetricNames;
import io.mtlsproxy.core.reload.ProxyView;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import io.mtlsproxy.core.tls.ExpiryState;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every certificate and CRL the proxy holds, evaluated against the expiry thresholds on a timer and after each
 * reload, never per scrape or per request. Each evaluation follows the view's current lists: a certificate
 * that a reload added gets its gauges, one it dropped loses them (a stale series would keep an alert firing
 * for a certificate nobody uses any more). Each state change is logged once, at WARN unless it is a recovery.
 * The clients seen in handshakes are evaluated with them ({@link ClientExpiry}).
 */
public final class CertificateInventory implements AutoCloseable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);
    private static final Logger log = LoggerFactory.getLogger(CertificateInventory.class);

    private final ProxyView view;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Supplier<ExpiryConfig> thresholds;
    private volatile InventorySnapshot snapshot = InventorySnapshot.EMPTY;
    /** guarded by this: the series registered for the previous evaluation and the state last reported */
    private final Map<CertificateEntry.SeriesKey, Tracked<ExpiryState>> certificates = new HashMap<>();

    private final Map<CrlEntry.SeriesKey, Tracked<CrlEntry.State>> crls = new HashMap<>();
    /**
     * guarded by this: the entries of the previous evaluation by certificate object. A reload keeps unchanged
     * certificates as the same objects, and re-deriving names, SANs and fingerprints of a thousand of them was
     * a sixth of a reload that changed nothing.
     */
    private Map<X509Certificate, CertificateEntry> byCertificate = new IdentityHashMap<>();

    private final ClientExpiry clientExpiry;
    private ScheduledExecutorService timer;

    public CertificateInventory(ProxyView view, MeterRegistry registry, ExpiryConfig thresholds, Clock clock) {
        this(view, registry, constant(requireNonNull(thresholds, "thresholds")), clock);
    }

    /**
     * @param thresholds read at each evaluation, so that a reload that changes {@code expiry} takes effect at
     *     the next one (pass {@code () -> currentConfig().expiry()})
     */
    public CertificateInventory(
            ProxyView view, MeterRegistry registry, Supplier<ExpiryConfig> thresholds, Clock clock) {
        this.view = requireNonNull(view, "view");
        this.registry = requireNonNull(registry, "registry");
        this.thresholds = requireNonNull(thresholds, "thresholds");
        this.clock = requireNonNull(clock, "clock");
        this.clientExpiry = new ClientExpiry(view.metrics().clients(), registry);
    }

    private static Supplier<ExpiryConfig> constant(ExpiryConfig thresholds) {
        return () -> thresholds;
    }

    /** Evaluates now, then every {@code interval} on a daemon thread of its own. */
    public synchronized void start(Duration interval) {
        if (timer != null) {
            throw new IllegalStateException("inventory already started");
        }
        refresh();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cert-inventory");
            t.setDaemon(true);
            return t;
        });
        long millis = interval.toMillis();
        timer.scheduleWithFixedDelay(this::refreshQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    public Clock clock() {
        return clock;
    }

    /** The expiry thresholds in force (a reload may change them). */
    public ExpiryConfig thresholds() {
        return requireNonNull(thresholds.get(), "thresholds");
    }

    /** The last evaluation. */
    public InventorySnapshot snapshot() {
        return snapshot;
    }

    /** Evaluates every certificate and CRL of the view's current snapshot; call after a reload. */
    public synchronized InventorySnapshot refresh() {
        Instant now = clock.instant();
        ExpiryConfig limits = requireNonNull(thresholds.get(), "thresholds");
        List<CertificateEntry> certs = new ArrayList<>();
        Set<CertificateEntry.SeriesKey> seen = new HashSet<>();
        Map<X509Certificate, CertificateEntry> evaluated = new IdentityHashMap<>();
        for (CertificateUse use : view.certificates()) {
            CertificateEntry entry = CertificateEntry.of(
                    use, ExpiryState.of(use.certificate(), now, limits), byCertificate.get(use.certificate()));
            evaluated.put(use.certificate(), entry);
            certs.add(entry);
            if (seen.add(entry.seriesKey())) {
                trackCertificate(entry, now);
            }
        }
        dropUnseen(certificates, seen, "certificate", true);
        byCertificate = evaluated;

        List<CrlEntry> crlEntries = new ArrayList<>();
        Set<CrlEntry.SeriesKey> seenCrls = new HashSet<>();
        for (CrlUse use : view.crls()) {
            CrlEntry entry = CrlEntry.of(use, now);
            crlEntries.add(entry);
            if (seenCrls.add(entry.seriesKey())) {
                trackCrl(entry);
            }
        }
        dropUnseen(crls, seenCrls, "CRL", true);

        clientExpiry.evaluate(now, limits);
        InventorySnapshot next = new InventorySnapshot(now, certs, crlEntries);
        snapshot = next;
        return next;
    }

    private void trackCertificate(CertificateEntry e, Instant now) {
        Tracked<ExpiryState> tracked = certificates.get(e.seriesKey());
        if (tracked == null) {
            String[] tags = {"usage", e.usage(), "owner", e.owner(), "subject", e.subject(), "serial", e.serial()};
            long notAfter = e.notAfter().getEpochSecond();
            List<Meter> meters = List.of(
                    Gauge.builder(MetricNames.CERTIFICATE_NOT_AFTER, () -> notAfter)
                            .description("Certificate notAfter as Unix time")
                            .tags(tags)
                            .strongReference(true)
                            .register(registry),
                    Gauge.builder(
                                    MetricNames.CERTIFICATE_EXPIRES_IN,
                                    () -> notAfter - clock.instant().getEpochSecond())
                            .description("Seconds until the certificate expires; negative once expired")
                            .tags(tags)
                            .strongReference(true)
                            .register(registry));
            tracked = new Tracked<>(meters);
            certificates.put(e.seriesKey(), tracked);
        }
        ExpiryState was = tracked.state;
        if (was != e.state() && (was != null || e.state() != ExpiryState.VALID)) {
            logStateChange(e, was, now);
        }
        tracked.state = e.state();
    }

    private void trackCrl(CrlEntry e) {
        Tracked<CrlEntry.State> tracked = crls.get(e.seriesKey());
        if (tracked == null) {
            List<Meter> meters = e.nextUpdate() == null
                    ? List.of()
                    : List.of(Gauge.builder(
                                    MetricNames.CRL_NEXT_UPDATE,
                                    () -> e.nextUpdate().getEpochSecond())
                            .description("CRL nextUpdate as Unix time; stale once it is in the past")
                            .tags("owner", e.owner(), "issuer", e.issuer())
                            .strongReference(true)
                            .register(registry));
            tracked = new Tracked<>(meters);
            crls.put(e.seriesKey(), tracked);
        }
        CrlEntry.State was = tracked.state;
        if (was != e.state() && (was != null || e.state() != CrlEntry.State.VALID)) {
            String line = "CRL state changed: owner={} issuer=\"{}\" path={} state={} (was {}) next_update={}";
            Object[] args = {
                e.owner(),
                e.issuer(),
                e.location(),
                e.state().label(),
                was == null ? "unseen" : was.label(),
                e.nextUpdate()
            };
            if (e.state() == CrlEntry.State.STALE) {
                log.warn(line, args);
            } else {
                log.info(line, args);
            }
        }
        tracked.state = e.state();
    }

    private static void logStateChange(CertificateEntry e, ExpiryState was, Instant now) {
        long daysLeft = Duration.ofSeconds(e.expiresInSeconds(now)).toDays();
        String line = "certificate state changed: usage={} owner={} subject=\"{}\" serial={} state={} (was {})"
                + " days_left={} not_after={} path={}";
        Object[] args = {
            e.usage(),
            e.owner(),
            e.subject(),
            e.serial(),
            e.state().label(),
            was == null ? "unseen" : was.label(),
            daysLeft,
            e.notAfter(),
            e.path()
        };
        if (e.state() == ExpiryState.VALID) {
            log.info(line, args);
        } else {
            log.warn(line, args);
        }
    }

    private <K> void dropUnseen(Map<K, ? extends Tracked<?>> tracked, Set<K> seen, String what, boolean report) {
        tracked.entrySet().removeIf(entry -> {
            if (seen.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().meters.forEach(registry::remove);
            if (report) {
                log.info("{} no longer in use, its gauges removed: {}", what, entry.getKey());
            }
            return true;
        });
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // the next tick tries again; a failed evaluation keeps the previous snapshot and gauges
            log.error("certificate inventory evaluation failed", e);
        }
    }

    /** Stops the timer and removes every gauge this inventory registered. */
    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        dropUnseen(certificates, Set.of(), "certificate", false);
        dropUnseen(crls, Set.of(), "CRL", false);
        clientExpiry.close();
    }

    /** The gauges of one series and the state last reported for it. */
    private static final class Tracked<S> {
        final List<Meter> meters;
        S state;

        Tracked(List<Meter> meters) {
            this.meters = meters;
        }
    }
}
