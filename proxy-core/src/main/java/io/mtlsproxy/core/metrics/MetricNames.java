package io.mtlsproxy.core.metrics;

/**
 * The metric names as Prometheus shows them (DESIGN.md), for code that reads the exposition: the admin
 * inventory, tests, dashboards' authors. Micrometer is given these names without the suffix its Prometheus
 * naming convention appends ({@code _total} for counters, {@code _seconds} for timers).
 */
public final class MetricNames {
    public static final String REQUESTS = "mtls_proxy_requests_total";
    public static final String REQUEST_DURATION = "mtls_proxy_request_duration_seconds";
    public static final String ACTIVE_CONNECTIONS = "mtls_proxy_active_connections";
    public static final String TLS_HANDSHAKES = "mtls_proxy_tls_handshakes_total";
    public static final String UPSTREAM_ERRORS = "mtls_proxy_upstream_errors_total";
    public static final String CERTIFICATE_NOT_AFTER = "mtls_proxy_certificate_not_after_seconds";
    public static final String CERTIFICATE_EXPIRES_IN = "mtls_proxy_certificate_expires_in_seconds";
    public static final String CONFIG_RELOADS = "mtls_proxy_config_reloads_total";
    public static final String CRL_NEXT_UPDATE = "mtls_proxy_crl_next_update_seconds";
    public static final String CLIENT_CERT_REMAINING = "mtls_proxy_client_cert_remaining_seconds";
    public static final String IDENTITY_DENIALS = "mtls_proxy_identity_denials_total";
    public static final String CLIENTS = "mtls_proxy_clients";
    public static final String CLIENTS_DROPPED = "mtls_proxy_clients_dropped_total";
    public static final String UPSTREAM_RETRIES = "mtls_proxy_upstream_retries_total";
    public static final String UPSTREAM_HEALTHY = "mtls_proxy_upstream_healthy";
    public static final String UPSTREAM_HEALTH_CHECKS = "mtls_proxy_upstream_health_checks_total";
    public static final String RATE_LIMIT_REQUESTS = "mtls_proxy_rate_limit_requests_total";
    public static final String REVOKED_CONNECTIONS_CLOSED = "mtls_proxy_revoked_connections_closed_total";
    public static final String OCSP_RESPONSES = "mtls_proxy_ocsp_responses_total";

    private MetricNames() {}
}
