package io.mtlsproxy.admin.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.testing.Certificates;
import io.mtlsproxy.admin.testing.FakeProxyView;
import io.mtlsproxy.admin.testing.MutableClock;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** State changes are reported once, gauges follow the view's current certificates, the timer keeps up. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CertificateInventoryTest {
    static final Instant START = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @TempDir
    Path dir;

    Certificates pki;
    MutableClock clock;
    PrometheusMeterRegistry registry;
    FakeProxyView view;
    CertificateInventory inventory;
    ListAppender<ILoggingEvent> logs;
    Logger logger;

    @BeforeEach
    void setUp() {
        pki = new Certificates(dir, START);
        clock = new MutableClock(START);
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        view = new FakeProxyView(new ProxyMetrics(registry));
        inventory = new CertificateInventory(view, registry, ExpiryConfig.DEFAULT, clock);
        logger = (Logger) LoggerFactory.getLogger(CertificateInventory.class);
        logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        logger.detachAppender(logs);
        inventory.close();
    }

    @Test
    void eachStateChangeIsLoggedOnceAtWarn() {
        CertificateUse cert = pki.server("listener-server", "public", "api", Duration.ofDays(40));
        view.certificates(List.of(cert));
        inventory.refresh();
        assertEquals(List.of(), warnings(), "a valid certificate is not news");

        clock.advance(Duration.ofDays(15)); // 25 days left
        inventory.refresh();
        inventory.refresh();
        assertEquals(1, warnings().size());
        String expiring = warnings().get(0);
        String serial = cert.certificate().getSerialNumber().toString(16);
        assertTrue(
                expiring.contains("usage=listener-server")
                        && expiring.contains("owner=public")
                        && expiring.contains("subject=\"CN=api,O=Example\"")
                        && expiring.contains("serial=" + serial)
                        && expiring.contains("state=expiring (was valid)")
                        && expiring.contains("days_left=25"),
                expiring);

        clock.advance(Duration.ofDays(20)); // 5 days left
        inventory.refresh();
        inventory.refresh();
        assertEquals(2, warnings().size());
        assertTrue(
                warnings().get(1).contains("state=critical (was expiring)"),
                warnings().get(1));

        clock.advance(Duration.ofDays(6)); // a day past
        inventory.refresh();
        inventory.refresh();
        assertEquals(3, warnings().size());
        assertTrue(
                warnings().get(2).contains("state=expired (was critical)")
                        && warnings().get(2).contains("days_left=-1"),
                warnings().get(2));
        assertEquals(
                "expired", inventory.snapshot().certificates().get(0).state().label());
    }

    @Test
    void aCertificateFirstSeenInTroubleIsLoggedOnce() {
        view.certificates(List.of(pki.server("upstream-client", "orders", "orders", Duration.ofDays(3))));
        inventory.refresh();
        inventory.refresh();
        inventory.refresh();
        assertEquals(1, warnings().size());
        assertTrue(
                warnings().get(0).contains("state=critical (was unseen)"),
                warnings().get(0));
    }

    @Test
    void aCrlGoingStaleIsLoggedOnce() {
        view.crls(List.of(pki.crl("public", "crl", START, START.plus(Duration.ofDays(1)))));
        inventory.refresh();
        assertEquals(List.of(), warnings());
        clock.advance(Duration.ofDays(2));
        inventory.refresh();
        inventory.refresh();
        assertEquals(1, warnings().size());
        assertTrue(
                warnings().get(0).contains("CRL state changed: owner=public")
                        && warnings().get(0).contains("state=stale (was valid)"),
                warnings().get(0));
        assertEquals(CrlEntry.State.STALE, inventory.snapshot().crls().get(0).state());
    }

    @Test
    void gaugesAreRemovedWhenTheViewDropsACertificate() {
        CertificateUse kept = pki.server("listener-server", "public", "api", Duration.ofDays(60));
        CertificateUse dropped = pki.server("upstream-client", "orders", "orders", Duration.ofDays(60));
        CrlUse crl = pki.crl("public", "crl", START, START.plus(Duration.ofDays(7)));
        view.certificates(List.of(kept, dropped)).crls(List.of(crl));
        inventory.refresh();
        assertEquals(2, gauges("mtls_proxy_certificate_expires_in_seconds").size());
        assertEquals(2, gauges("mtls_proxy_certificate_not_after_seconds").size());
        assertEquals(1, gauges("mtls_proxy_crl_next_update_seconds").size());

        view.certificates(List.of(kept)).crls(List.of()); // a reload removed route "orders" and the CRL
        inventory.refresh();
        List<Gauge> left = gauges("mtls_proxy_certificate_expires_in_seconds");
        assertEquals(1, left.size());
        assertEquals("public", left.get(0).getId().getTag("owner"));
        assertEquals(1, gauges("mtls_proxy_certificate_not_after_seconds").size());
        assertEquals(0, gauges("mtls_proxy_crl_next_update_seconds").size());
        assertTrue(registry.scrape().contains("owner=\"public\""));
        assertTrue(!registry.scrape().contains("owner=\"orders\""), "no series left for the dropped certificate");
    }

    @Test
    void aRenewedCertificateReplacesItsSeries() {
        CertificateUse old = pki.server("listener-server", "public", "api", Duration.ofDays(5));
        view.certificates(List.of(old));
        inventory.refresh();
        CertificateUse renewed = pki.server("listener-server", "public", "api", Duration.ofDays(365));
        view.certificates(List.of(renewed));
        inventory.refresh();
        List<Gauge> series = gauges("mtls_proxy_certificate_expires_in_seconds");
        assertEquals(1, series.size());
        assertEquals(
                renewed.certificate().getSerialNumber().toString(16),
                series.get(0).getId().getTag("serial"));
        assertEquals(Duration.ofDays(365).toSeconds(), (long) series.get(0).value());
    }

    @Test
    void aCaTrustedByTwoRoutesHasASeriesPerRoute() {
        view.certificates(List.of(
                pki.caUse("upstream-trust", "orders"),
                pki.caUse("upstream-trust", "billing"),
                pki.caUse("upstream-trust", "billing")));
        inventory.refresh();
        assertEquals(3, inventory.snapshot().certificates().size());
        assertEquals(2, gauges("mtls_proxy_certificate_expires_in_seconds").size());
    }

    @Test
    void theTimerFollowsTheView() throws InterruptedException {
        inventory.start(Duration.ofMillis(50));
        assertEquals(0, inventory.snapshot().certificates().size());
        view.certificates(List.of(pki.server("listener-server", "public", "api", Duration.ofDays(60))));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inventory.snapshot().certificates().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, inventory.snapshot().certificates().size());
        assertEquals(1, gauges("mtls_proxy_certificate_expires_in_seconds").size());
    }

    @Test
    void thresholdsAreReadAtEachEvaluation() {
        var limits = new java.util.concurrent.atomic.AtomicReference<>(ExpiryConfig.DEFAULT);
        try (CertificateInventory following = new CertificateInventory(view, registry, limits::get, clock)) {
            view.certificates(List.of(pki.server("listener-server", "public", "api", Duration.ofDays(45))));
            assertEquals(
                    "valid", following.refresh().certificates().get(0).state().label());
            limits.set(new ExpiryConfig(Duration.ofDays(60), Duration.ofDays(14))); // a reload raised warn-before
            assertEquals(
                    "expiring",
                    following.refresh().certificates().get(0).state().label());
        }
    }

    @Test
    void closeRemovesEveryGauge() {
        view.certificates(List.of(pki.server("listener-server", "public", "api", Duration.ofDays(60))));
        inventory.refresh();
        inventory.close();
        assertEquals(0, gauges("mtls_proxy_certificate_expires_in_seconds").size());
    }

    private List<Gauge> gauges(String name) {
        return List.copyOf(registry.find(name).gauges());
    }

    private List<String> warnings() {
        return logs.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }
}
