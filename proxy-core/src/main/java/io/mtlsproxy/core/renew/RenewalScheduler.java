package io.mtlsproxy.core.renew;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.RenewalConfig;
import io.mtlsproxy.core.certs.CertificateDescription;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one scheduler of every certificate that renews itself (certmagic's shape): one thread, woken at the
 * earliest due time or every {@code check-interval}, after every reload and on demand ({@code POST /renew}). A due
 * certificate is renewed by {@link CertificateRenewer}; after a pass that renewed anything the proxy reloads
 * through its one reload path, so open connections keep their session and new handshakes get the new
 * certificate. A failure changes nothing on disk or in the proxy and retries with {@link Backoff}.
 *
 * <p>Every field below the constructor's is touched on the scheduler thread only; {@link #statuses()} publishes
 * an immutable copy for the admin plane and metrics.
 */
public final class RenewalScheduler implements Renewals, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RenewalScheduler.class);
    private static final Duration MIN_WAKE = Duration.ofMillis(200);

    private final Issuers issuers;
    private final BooleanSupplier reload;
    private final Lock filesLock;
    private final RenewalMetrics metrics;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cert-renewal");
        t.setDaemon(true);
        return t;
    });

    private final Map<RenewalTarget.Key, Entry> entries = new LinkedHashMap<>();
    private RenewalConfig settings = RenewalConfig.DEFAULT;
    private ScheduledFuture<?> wake;
    private volatile Map<RenewalTarget.Key, RenewalStatus> published = Map.of();

    /**
     * @param reload reloads the proxy from its files and says whether that worked; it may block (it runs here)
     * @param filesLock the proxy's reload lock, held while a renewal replaces a key and its certificate
     */
    public RenewalScheduler(Issuers issuers, MeterRegistry registry, BooleanSupplier reload, Lock filesLock) {
        this.issuers = requireNonNull(issuers, "issuers");
        this.reload = requireNonNull(reload, "reload");
        this.filesLock = requireNonNull(filesLock, "filesLock");
        this.metrics = new RenewalMetrics(registry, () -> published.values());
    }

    /** Follows a configuration (at start and after every reload): returns at once, the work runs on its thread. */
    public void update(ProxyConfig config) {
        thread.execute(() -> follow(config));
    }

    /**
     * Renews now every certificate that {@code filter} keeps (all with a {@code renew} block when it keeps all),
     * due or not; completes once they are written and the proxy reloaded.
     */
    @Override
    public CompletableFuture<RenewalOutcome> renewNow(Predicate<RenewalStatus> filter) {
        return CompletableFuture.supplyAsync(() -> pass(e -> filter.test(e.status())), thread);
    }

    /** Every renewing certificate's state, as last published. */
    @Override
    public Collection<RenewalStatus> statuses() {
        return published.values();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    // ---- on the scheduler thread --------------------------------------------------------------------------------

    private void follow(ProxyConfig config) {
        settings = config.renewal();
        Map<RenewalTarget.Key, Entry> next = new LinkedHashMap<>();
        for (RenewalTarget t : RenewalTarget.of(config)) {
            Entry e = entries.getOrDefault(t.key(), new Entry());
            e.target = t;
            e.issuer = issuers.create(t.issuer());
            e.refreshRenewAt();
            if (e.retryAt != null && e.renewAt.isAfter(Instant.now())) {
                e.retryAt = null; // renewed by other means (pki renew, an operator): no longer due, nothing to retry
                e.state = RenewalStatus.SCHEDULED;
            }
            next.put(t.key(), e);
        }
        entries.clear();
        entries.putAll(next);
        metrics.follow(next.values().stream().map(e -> e.target).toList());
        publish();
        pass(Entry::due);
    }

    private void tick() {
        pass(Entry::due);
    }

    /** Renews every entry {@code which} selects, reloads once if any was renewed, and schedules the next wake. */
    private RenewalOutcome pass(Predicate<Entry> which) {
        List<String> renewed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Entry e : List.copyOf(entries.values())) {
            if (!which.test(e)) {
                continue;
            }
            Optional<String> error = attempt(e);
            error.ifPresentOrElse(errors::add, () -> renewed.add(e.target.usage() + " " + e.target.owner()));
        }
        if (!renewed.isEmpty() && !reload.getAsBoolean()) {
            LOG.warn("renewal: the renewed files are written but the reload that loads them failed; the running"
                    + " certificates stay until a reload succeeds");
        }
        scheduleNext();
        return new RenewalOutcome(renewed, errors);
    }

    private Optional<String> attempt(Entry e) {
        RenewalTarget t = e.target;
        Instant started = Instant.now();
        e.lastAttempt = started;
        e.state = RenewalStatus.RENEWING;
        publish();
        try {
            X509Certificate leaf = CertificateRenewer.renew(t, e.issuer, false, filesLock);
            e.lastSuccess = Instant.now();
            e.failures = 0;
            e.lastError = null;
            e.retryAt = null;
            e.state = RenewalStatus.SCHEDULED;
            e.renewAt = renewAt(t, leaf);
            metrics.attempted(t, true);
            LOG.info(
                    "renewal: {} {} renewed by {} in {} ms: serial {}, valid until {}",
                    t.usage(),
                    t.owner(),
                    t.issuer().name(),
                    Duration.between(started, e.lastSuccess).toMillis(),
                    CertificateDescription.serialHex(leaf.getSerialNumber()),
                    leaf.getNotAfter().toInstant());
            return Optional.empty();
        } catch (IssueException | RuntimeException ex) {
            String message = ex instanceof IssueException ? ex.getMessage() : "unexpected: " + ex;
            e.failures++;
            e.lastError = message;
            e.state = RenewalStatus.FAILING;
            e.retryAt = Instant.now()
                    .plus(new Backoff(settings.retryInitial(), settings.retryMax()).after(e.failures, random));
            metrics.attempted(t, false);
            LOG.warn(
                    "renewal: {} {} failed (attempt {}, next at {}): {}",
                    t.usage(),
                    t.owner(),
                    e.failures,
                    e.retryAt,
                    message);
            return Optional.of(t.usage() + " " + t.owner() + ": " + message);
        } finally {
            publish();
        }
    }

    /** A fresh certificate that is already due (an issuer that signs very short lifetimes) waits retry-initial. */
    private Instant renewAt(RenewalTarget t, X509Certificate leaf) {
        Instant at = t.spec()
                .before()
                .renewAt(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        Instant soonest = Instant.now().plus(settings.retryInitial());
        return at.isBefore(soonest) ? soonest : at;
    }

    private void scheduleNext() {
        if (wake != null) {
            wake.cancel(false);
        }
        if (thread.isShutdown()) {
            return;
        }
        Instant now = Instant.now();
        Instant next = now.plus(settings.checkInterval());
        for (Entry e : entries.values()) {
            Instant at = e.nextAttempt();
            if (at != null && at.isBefore(next)) {
                next = at;
            }
        }
        long delay = Math.max(MIN_WAKE.toMillis(), Duration.between(now, next).toMillis());
        wake = thread.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
    }

    private void publish() {
        Map<RenewalTarget.Key, RenewalStatus> out = new LinkedHashMap<>();
        entries.forEach((k, e) -> out.put(k, e.status()));
        published = Map.copyOf(out);
    }

    /** One certificate's renewal state; lives across reloads while the certificate keeps its renew block. */
    private static final class Entry {
        RenewalTarget target;
        Issuer issuer;
        String state = RenewalStatus.SCHEDULED;
        Instant renewAt;
        Instant retryAt;
        Instant lastAttempt;
        Instant lastSuccess;
        String lastError;
        int failures;

        /** From the certificate on disk: after a reload it may be one renewed by hand or by another tool. */
        void refreshRenewAt() {
            try {
                X509Certificate cert = CertificateRenewer.current(target);
                renewAt = target.spec()
                        .before()
                        .renewAt(
                                cert.getNotBefore().toInstant(),
                                cert.getNotAfter().toInstant());
            } catch (IssueException e) {
                renewAt = Instant.now(); // unreadable: try to renew at once, which reports why
            }
        }

        Instant nextAttempt() {
            if (retryAt != null) {
                return retryAt;
            }
            return renewAt;
        }

        boolean due() {
            Instant at = nextAttempt();
            return at != null && !Instant.now().isBefore(at);
        }

        RenewalStatus status() {
            return new RenewalStatus(
                    target.usage(),
                    target.owner(),
                    target.certFile(),
                    target.issuer().name(),
                    target.issuer().type(),
                    state,
                    Optional.ofNullable(renewAt),
                    Optional.ofNullable(nextAttempt()),
                    Optional.ofNullable(lastAttempt),
                    Optional.ofNullable(lastSuccess),
                    Optional.ofNullable(lastError),
                    failures);
        }
    }
}
