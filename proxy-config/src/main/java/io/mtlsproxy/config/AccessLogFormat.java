package io.mtlsproxy.config;

import java.util.List;

/**
 * How access log lines look: {@code format} names the fields as this proxy does ({@code default}) or as Elastic
 * Common Schema does ({@code ecs}); {@code fields} keeps only those fields (by their default names), in the log's own
 * order; empty keeps them all.
 */
public record AccessLogFormat(Style style, List<String> fields) {
    public static final AccessLogFormat DEFAULT = new AccessLogFormat(Style.DEFAULT, List.of());

    /** Every field a line can have, by its default name, in the order lines are written. */
    public static final List<String> FIELDS = List.of(
            "time",
            "listener",
            "route",
            "remote_address",
            "method",
            "path",
            "status",
            "bytes_in",
            "bytes_out",
            "duration_ms",
            "upstream",
            "client",
            "reason",
            "aws_vpce_id",
            "request_id",
            "user_agent",
            "tls_version",
            "cipher",
            "sni",
            "upstream_connect_ms",
            "upstream_response_ms",
            "retries");

    public AccessLogFormat {
        fields = List.copyOf(fields);
    }

    public enum Style {
        DEFAULT,
        ECS
    }

    /** Whether a line has {@code field} (a name of {@link #FIELDS}). */
    public boolean includes(String field) {
        return fields.isEmpty() || fields.contains(field);
    }
}
