package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole configuration: the main file plus every route file of {@code routes-dir}. Immutable; a reload
 * loads a new one. {@code watchedFiles} lists every file it was read from or names (configs, certificates,
 * keys, CAs, CRLs, ticket keys) so that a watcher can poll them. {@code issuers} and {@code renewal} serve the
 * {@code renew} blocks of certificates (see {@link KeyMaterial#renew()}).
 *
 * <p>{@code drainDelay}: on SIGTERM, how long /readyz answers 503 while the listeners still accept, before the
 * drain of {@code shutdownGrace} begins. {@code sessionTicketKeys}: the file of ticket keys a fleet shares.
 * {@code clients}: how many client certificates /clients keeps. {@code requestId} names the request-ID header;
 * {@code accessLogFormat} shapes the lines of the {@code accessLog} (where they go).
 */
public record ProxyConfig(
        Path file,
        AdminConfig admin,
        ExpiryConfig expiry,
        List<ListenerConfig> listeners,
        List<RouteConfig> routes,
        ReloadConfig reload,
        Duration shutdownGrace,
        String accessLog,
        Optional<Path> routesDir,
        List<Path> watchedFiles,
        Map<String, IssuerConfig> issuers,
        RenewalConfig renewal,
        Duration drainDelay,
        Optional<FileRef> sessionTicketKeys,
        ClientsConfig clients,
        RequestIdConfig requestId,
        AccessLogFormat accessLogFormat) {
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DRAIN_DELAY = Duration.ZERO;

    public ProxyConfig {
        requireNonNull(file, "file");
        requireNonNull(admin, "admin");
        requireNonNull(expiry, "expiry");
        listeners = List.copyOf(requireNonNull(listeners, "listeners"));
        routes = List.copyOf(requireNonNull(routes, "routes"));
        requireNonNull(reload, "reload");
        requireNonNull(shutdownGrace, "shutdownGrace");
        requireNonNull(accessLog, "accessLog");
        requireNonNull(routesDir, "routesDir");
        watchedFiles = List.copyOf(requireNonNull(watchedFiles, "watchedFiles"));
        issuers = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(issuers, "issuers")));
        requireNonNull(renewal, "renewal");
        requireNonNull(drainDelay, "drainDelay");
        requireNonNull(sessionTicketKeys, "sessionTicketKeys");
        requireNonNull(clients, "clients");
        requireNonNull(requestId, "requestId");
        requireNonNull(accessLogFormat, "accessLogFormat");
    }

    public Optional<ListenerConfig> listener(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
    }
}
