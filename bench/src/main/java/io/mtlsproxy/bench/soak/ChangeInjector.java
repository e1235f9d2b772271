package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.load.ClientTls;
import io.mtlsproxy.core.certs.CertificateDescription;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Changes the running proxy's configuration on timers, one change at a time (so that each reload is
 * attributable): a CRL re-signed with one more revoked client and route {@code extra} added to or removed from the
 * routes directory (both picked up by the file watcher), a SIGHUP and a {@code POST /reload} (of an unchanged
 * configuration: the whole reload path runs, and nothing may be lost or kept). Between them it watches the proxy's
 * own renewals of its server certificate and upstream client identity ({@code local-ca} issuers,
 * {@code mtls_proxy_certificate_renewals_total}). After each, it proves the change on the wire with a {@link Probe}
 * (the new serial, the new client identity at the origin, the revoked client refused, the route answering or gone).
 */
final class ChangeInjector implements AutoCloseable {
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(15);
    private static final Duration VERIFY_WAIT = Duration.ofSeconds(6);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration RENEWAL_POLL = Duration.ofSeconds(1);
    private static final String RENEWALS = "mtls_proxy_certificate_renewals_total";

    enum Kind {
        SERVER_CERT("server certificate renewed by the proxy (local-ca)", "listener-server"),
        UPSTREAM_CLIENT_CERT("upstream client certificate renewed by the proxy (local-ca)", "upstream-client"),
        CRL("CRL re-signed, one more client revoked (file watch)", null),
        ROUTE_EDIT("route file added/removed in routes-dir (file watch)", null),
        SIGHUP("SIGHUP reload, configuration unchanged", null),
        ADMIN_RELOAD("POST /reload, configuration unchanged", null);

        final String label;
        /** The {@code usage} label of the proxy's renewals of this kind; null: the soak makes this change. */
        final String renewalUsage;

        Kind(String label, String renewalUsage) {
            this.label = label;
            this.renewalUsage = renewalUsage;
        }
    }

    private final Map<Kind, Duration> periods;
    private final SoakPki pki;
    private final SoakProxy proxy;
    private final SoakOrigin mtlsOrigin;
    private final Traffic traffic;
    private final Consumer<String> log;
    private final long startNanos;
    private final Map<Kind, Tally> tallies = new EnumMap<>(Kind.class);
    /** Per renewal kind: the renewals counter (success, failure) as last read. */
    private final Map<Kind, double[]> renewalsSeen = new EnumMap<>(Kind.class);

    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private boolean extraRoutePresent;

    ChangeInjector(
            Map<Kind, Duration> periods,
            SoakPki pki,
            SoakProxy proxy,
            SoakOrigin mtlsOrigin,
            Traffic traffic,
            Consumer<String> log,
            long startNanos) {
        this.periods = new EnumMap<>(periods);
        this.pki = requireNonNull(pki, "pki");
        this.proxy = requireNonNull(proxy, "proxy");
        this.mtlsOrigin = requireNonNull(mtlsOrigin, "mtlsOrigin");
        this.traffic = requireNonNull(traffic, "traffic");
        this.log = requireNonNull(log, "log");
        this.startNanos = startNanos;
        for (Kind k : Kind.values()) {
            tallies.put(k, new Tally());
        }
        this.thread = new Thread(this::loop, "soak-changes");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Lets the change in progress finish (a file half-renewed would be no fair end), then returns. */
    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        thread.join(Duration.ofSeconds(60).toMillis());
    }

    synchronized List<SoakReport.ChangeOutcome> outcomes() {
        List<SoakReport.ChangeOutcome> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            Duration every = periods.get(k);
            Tally t = tallies.get(k);
            out.add(new SoakReport.ChangeOutcome(
                    k.label, every == null ? 0 : every.toMillis() / 1000.0, t.done, t.verified, List.copyOf(t.notes)));
        }
        return out;
    }

    private void loop() {
        Map<Kind, Long> next = new EnumMap<>(Kind.class);
        long now = System.nanoTime();
        periods.forEach((k, every) -> {
            if (k.renewalUsage == null) {
                next.put(k, now + every.toNanos() / 2 + k.ordinal() * 700_000_000L);
            }
        });
        try {
            while (true) {
                Map.Entry<Kind, Long> due = next.entrySet().stream()
                        .min(Map.Entry.comparingByValue())
                        .orElse(null);
                long wait = due == null ? RENEWAL_POLL.toNanos() : due.getValue() - System.nanoTime();
                if (stop.await(Math.max(0, Math.min(wait, RENEWAL_POLL.toNanos())), TimeUnit.NANOSECONDS)) {
                    return;
                }
                checkRenewals();
                if (due != null && System.nanoTime() >= due.getValue()) {
                    Kind kind = due.getKey();
                    inject(kind);
                    next.put(kind, Math.max(next.get(kind) + periods.get(kind).toNanos(), System.nanoTime()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Proves each renewal the proxy made since the last look: a new connection gets the serial now in the file
     * (server), or the mTLS origin sees it (upstream). A failed renewal is a problem: the issuer is local.
     */
    private void checkRenewals() throws InterruptedException {
        PromText metrics;
        try {
            metrics = PromText.parse(proxy.metrics());
        } catch (IOException e) {
            return; // the admin endpoint is busy: next time
        }
        for (Kind kind : List.of(Kind.SERVER_CERT, Kind.UPSTREAM_CLIENT_CERT)) {
            double ok = count(metrics, kind, "success");
            double failed = count(metrics, kind, "failure");
            double[] seen = renewalsSeen.computeIfAbsent(kind, k -> new double[2]);
            if (failed > seen[1]) {
                String line = String.format(
                        Locale.ROOT, "t+%.1fs %s: FAILED (%.0f failed attempts)", elapsed(), kind.label, failed);
                log.accept(line);
                record(kind, false, line);
            }
            if (ok > seen[0]) {
                verifyRenewal(kind);
            }
            seen[0] = ok;
            seen[1] = failed;
        }
    }

    /** Read after the probe: a renewal may land while a reload is being checked. */
    private BigInteger currentServerSerial() throws IOException {
        return SoakPki.serialOf(pki.proxyCert());
    }

    private static double count(PromText metrics, Kind kind, String result) {
        double v = metrics.sum(RENEWALS, "usage", kind.renewalUsage, "result", result);
        return Double.isNaN(v) ? 0 : v;
    }

    private void verifyRenewal(Kind kind) throws InterruptedException {
        BigInteger serial;
        try {
            serial = SoakPki.serialOf(kind == Kind.SERVER_CERT ? pki.proxyCert() : pki.upstreamCert());
        } catch (IOException e) {
            record(kind, false, "could not read the renewed certificate: " + e.getMessage());
            return;
        }
        Check check = kind == Kind.SERVER_CERT
                ? newConnectionSees(() -> serial)
                : () -> {
                    Probe.Result p = probe(traffic.context("TLSv1.3"), "/mtls/small");
                    return p.status() == 200 && mtlsOrigin.clientSerials().contains(serial)
                            ? Optional.empty()
                            : Optional.of("the mTLS origin has not seen the new serial (" + describe(p) + ")");
                };
        Optional<String> problem = verify(check);
        String line = String.format(
                Locale.ROOT,
                "t+%.1fs %s: serial %s; %s",
                elapsed(),
                kind.label,
                hex(serial),
                problem.map(p -> "NOT VERIFIED: " + p).orElse("verified"));
        log.accept(line);
        record(kind, problem.isEmpty(), problem.isEmpty() ? null : line);
    }

    /** A new connection is answered and shows the server certificate with this serial. */
    private Check newConnectionSees(Callable<BigInteger> expected) {
        return () -> {
            Probe.Result p = probe(traffic.context("TLSv1.3"), "/tls/small");
            BigInteger serial = expected.call();
            return p.status() == 200 && serial.equals(p.serverSerial())
                    ? Optional.empty()
                    : Optional.of("new connection saw " + describe(p) + " (expected: serial " + hex(serial) + ")");
        };
    }

    private void inject(Kind kind) throws InterruptedException {
        String what;
        Check check;
        double reloadsBefore;
        try {
            reloadsBefore = reloads();
            switch (kind) {
                case SIGHUP -> {
                    proxy.sighup();
                    what = "kill -HUP " + proxy.pid();
                    check = newConnectionSees(this::currentServerSerial);
                }
                case ADMIN_RELOAD -> {
                    int status = proxy.postReload();
                    what = "answered " + status;
                    Check answers = newConnectionSees(this::currentServerSerial);
                    check = status == 200 ? answers : () -> Optional.of("POST /reload answered " + status);
                }
                case CRL -> {
                    SoakPki.Revoked rv = pki.revokeFreshClient();
                    what = "revoked " + hex(rv.serial()) + ", " + rv.crlEntries() + " entries";
                    check = () -> {
                        SslContext revoked = ClientTls.create(
                                "TLSv1.3", pki.edgeCa(), Optional.of(new ClientTls.Identity(rv.cert(), rv.key())));
                        try {
                            Probe.Result p = probe(revoked, "/tls/small");
                            return p.answered()
                                    ? Optional.of("the revoked client got HTTP " + p.status())
                                    : Optional.empty();
                        } finally {
                            ReferenceCountUtil.release(revoked);
                        }
                    };
                }
                case ROUTE_EDIT -> {
                    boolean add = !extraRoutePresent;
                    if (add) {
                        proxy.addExtraRoute();
                    } else {
                        proxy.removeExtraRoute();
                    }
                    extraRoutePresent = add;
                    what = add ? "route extra added" : "route extra removed";
                    int expected = add ? 200 : 404;
                    check = () -> {
                        Probe.Result p = probe(traffic.context("TLSv1.3"), "/extra/small");
                        return p.status() == expected
                                ? Optional.empty()
                                : Optional.of("/extra/small answered " + describe(p) + " (expected: " + expected + ")");
                    };
                }
                default -> throw new IllegalStateException(kind.name() + " is made by the proxy");
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            record(kind, false, "could not make the change: " + e);
            return;
        }
        double reloadSeconds = awaitReload(reloadsBefore);
        Optional<String> problem = verify(check);
        String line = String.format(
                Locale.ROOT,
                "t+%.1fs %s: %s; reload %s; %s",
                elapsed(),
                kind.label,
                what,
                reloadSeconds < 0
                        ? "NOT SEEN within " + RELOAD_WAIT.toSeconds() + " s"
                        : String.format(Locale.ROOT, "after %.1f s", reloadSeconds),
                problem.map(p -> "NOT VERIFIED: " + p).orElse("verified"));
        log.accept(line);
        record(kind, problem.isEmpty() && reloadSeconds >= 0, problem.isEmpty() && reloadSeconds >= 0 ? null : line);
    }

    /** Retries the check until it holds or the wait is over: the reload may land a moment after the counter moved. */
    private Optional<String> verify(Check check) throws InterruptedException {
        long deadline = System.nanoTime() + VERIFY_WAIT.toNanos();
        Optional<String> problem;
        do {
            try {
                problem = check.run();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                problem = Optional.of(e.toString());
            }
            if (problem.isEmpty()) {
                return problem;
            }
        } while (!stop.await(300, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline);
        return problem;
    }

    /** Seconds until {@code mtls_proxy_config_reloads_total} (both results) moved; -1 when it did not. */
    private double awaitReload(double before) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + RELOAD_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (reloads() > before) {
                    return (System.nanoTime() - start) / 1e9;
                }
            } catch (IOException e) {
                // the admin endpoint is busy: try again
            }
            Thread.sleep(100);
        }
        return -1;
    }

    private double reloads() throws IOException, InterruptedException {
        return PromText.parse(proxy.metrics()).sum("mtls_proxy_config_reloads_total");
    }

    private Probe.Result probe(SslContext tls, String path) throws InterruptedException {
        return Probe.get(traffic.group(), tls, proxy.port(), path, PROBE_TIMEOUT);
    }

    private synchronized void record(Kind kind, boolean verified, String note) {
        Tally t = tallies.get(kind);
        t.done++;
        if (verified) {
            t.verified++;
        }
        if (note != null && t.notes.size() < 10) {
            t.notes.add(note);
        }
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String describe(Probe.Result p) {
        return (p.answered() ? "HTTP " + p.status() : "no answer (" + p.failure() + ")")
                + (p.serverSerial() == null ? "" : ", server serial " + hex(p.serverSerial()));
    }

    private static String hex(BigInteger serial) {
        return CertificateDescription.serialHex(serial);
    }

    @FunctionalInterface
    private interface Check {
        /** Empty when the change shows on the wire, else what was seen instead. */
        Optional<String> run() throws Exception;
    }

    private static final class Tally {
        int done;
        int verified;
        final List<String> notes = new ArrayList<>();
    }
}
