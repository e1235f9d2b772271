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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Changes files under the running proxy on timers, one change at a time (so that each reload is attributable):
 * {@code pki renew} of the listener's certificate and of the upstream client identity, a CRL re-signed with one
 * more revoked client, and route {@code extra} added to or removed from the routes directory. The proxy picks each
 * up by its file watcher; the injector waits for the reload counter to move, then proves the change on the wire
 * with a {@link Probe} (the new serial, the new client identity at the origin, the revoked client refused, the
 * route answering or gone).
 */
final class ChangeInjector implements AutoCloseable {
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(15);
    private static final Duration VERIFY_WAIT = Duration.ofSeconds(6);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    enum Kind {
        SERVER_CERT("server certificate renewed"),
        UPSTREAM_CLIENT_CERT("upstream client certificate renewed"),
        CRL("CRL re-signed, one more client revoked"),
        ROUTE_EDIT("route file added/removed in routes-dir");

        final String label;

        Kind(String label) {
            this.label = label;
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
        periods.forEach((k, every) -> next.put(k, now + every.toNanos() / 2 + k.ordinal() * 700_000_000L));
        try {
            while (!next.isEmpty()) {
                Kind kind = next.entrySet().stream()
                        .min(Map.Entry.comparingByValue())
                        .orElseThrow()
                        .getKey();
                long wait = next.get(kind) - System.nanoTime();
                if (stop.await(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
                    return;
                }
                inject(kind);
                next.put(kind, Math.max(next.get(kind) + periods.get(kind).toNanos(), System.nanoTime()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void inject(Kind kind) throws InterruptedException {
        String what;
        Check check;
        double reloadsBefore;
        try {
            reloadsBefore = reloads();
            switch (kind) {
                case SERVER_CERT -> {
                    SoakPki.Renewal r = pki.renewServer();
                    what = "serial " + hex(r.oldSerial()) + " -> " + hex(r.newSerial());
                    check = () -> {
                        Probe.Result p = probe(traffic.context("TLSv1.3"), "/tls/small");
                        return p.status() == 200 && r.newSerial().equals(p.serverSerial())
                                ? Optional.empty()
                                : Optional.of("new connection saw " + describe(p));
                    };
                }
                case UPSTREAM_CLIENT_CERT -> {
                    SoakPki.Renewal r = pki.renewUpstreamClient();
                    what = "serial " + hex(r.oldSerial()) + " -> " + hex(r.newSerial());
                    check = () -> {
                        Probe.Result p = probe(traffic.context("TLSv1.3"), "/mtls/small");
                        return p.status() == 200 && mtlsOrigin.clientSerials().contains(r.newSerial())
                                ? Optional.empty()
                                : Optional.of("the mTLS origin has not seen the new serial (" + describe(p) + ")");
                    };
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
                default -> throw new IllegalStateException(kind.name());
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
