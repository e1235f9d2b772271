package io.mtlsproxy.admin.log;

import com.fasterxml.jackson.core.JsonGenerator;
import io.mtlsproxy.admin.json.Rfc3339;
import io.mtlsproxy.config.AccessLogFormat;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON of one access log line, so that the field list reads in one place. Each field has its default name and
 * its Elastic Common Schema name (custom fields, which ECS has no name for, go under {@code mtls_proxy.}); the
 * format's {@code fields} keep only some, named by their default names.
 */
final class AccessLogLine {
    /** The ECS version the {@code ecs} names follow. */
    static final String ECS_VERSION = "8.11.0";

    private final boolean ecs;
    private final Set<String> fields;

    AccessLogLine(AccessLogFormat format) {
        this.ecs = format.style() == AccessLogFormat.Style.ECS;
        this.fields = new HashSet<>(format.fields().isEmpty() ? AccessLogFormat.FIELDS : format.fields());
    }

    void write(JsonGenerator g, AccessLogEntry e) throws IOException {
        g.writeStartObject();
        if (has("time")) {
            g.writeStringField(ecs ? "@timestamp" : "time", Rfc3339.millis(e.time()));
        }
        if (ecs) {
            g.writeStringField("ecs.version", ECS_VERSION);
        }
        text(g, "listener", "labels.listener", e.listener());
        text(g, "route", "labels.route", e.route());
        text(g, "remote_address", "client.address", e.remoteAddress());
        text(g, "method", "http.request.method", e.method());
        text(g, "path", "url.path", e.path());
        number(g, "status", "http.response.status_code", e.status());
        number(g, "bytes_in", "http.request.body.bytes", e.bytesIn());
        number(g, "bytes_out", "http.response.body.bytes", e.bytesOut());
        if (has("duration_ms")) {
            if (ecs) {
                g.writeNumberField("event.duration", e.durationMicros() * 1000); // ECS: nanoseconds
            } else {
                g.writeFieldName("duration_ms");
                g.writeNumber(BigDecimal.valueOf(e.durationMicros(), 3)); // microsecond precision, exact
            }
        }
        text(g, "upstream", "destination.address", e.upstreamEndpoint());
        if (has("client")) {
            client(g, e);
        }
        text(g, "reason", "event.reason", e.reason());
        if (e.awsVpceId() != null) { // only behind PrivateLink: other lines keep their shape
            text(g, "aws_vpce_id", "labels.aws_vpce_id", e.awsVpceId());
        }
        text(g, "request_id", "http.request.id", e.requestId());
        text(g, "user_agent", "user_agent.original", e.userAgent());
        text(g, "tls_version", "tls.version", ecs ? ecsTlsVersion(e.tlsVersion()) : e.tlsVersion());
        text(g, "cipher", "tls.cipher", e.cipher());
        text(g, "sni", "tls.client.server_name", e.sni());
        millis(g, "upstream_connect_ms", "mtls_proxy.upstream.connect_ms", e.upstreamConnectMicros());
        millis(g, "upstream_response_ms", "mtls_proxy.upstream.response_ms", e.upstreamResponseMicros());
        number(g, "retries", "mtls_proxy.upstream.retries", e.retries());
        g.writeEndObject();
    }

    private boolean has(String field) {
        return fields.contains(field);
    }

    private void text(JsonGenerator g, String name, String ecsName, String value) throws IOException {
        if (has(name)) {
            g.writeStringField(ecs ? ecsName : name, value);
        }
    }

    private void number(JsonGenerator g, String name, String ecsName, long value) throws IOException {
        if (has(name)) {
            g.writeNumberField(ecs ? ecsName : name, value);
        }
    }

    /** Milliseconds with microsecond precision; null when the step was not reached (-1). */
    private void millis(JsonGenerator g, String name, String ecsName, long micros) throws IOException {
        if (has(name)) {
            g.writeFieldName(ecs ? ecsName : name);
            if (micros < 0) {
                g.writeNull();
            } else {
                g.writeNumber(BigDecimal.valueOf(micros, 3));
            }
        }
    }

    private void client(JsonGenerator g, AccessLogEntry e) throws IOException {
        boolean none = e.clientSubject() == null && e.clientSha256() == null;
        List<String> uris = e.clientUriSans() == null ? List.of() : e.clientUriSans();
        if (ecs) {
            if (!none) {
                g.writeStringField("tls.client.subject", e.clientSubject());
                g.writeStringField("tls.client.issuer", e.clientIssuer());
                g.writeStringField("tls.client.hash.sha256", e.clientSha256());
                g.writeStringField("tls.client.x509.serial_number", e.clientSerial());
                g.writeArrayFieldStart("tls.client.x509.alternative_names");
                for (String uri : uris) {
                    g.writeString(uri);
                }
                g.writeEndArray();
            }
            return;
        }
        g.writeFieldName("client");
        if (none) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        g.writeStringField("subject", e.clientSubject());
        g.writeArrayFieldStart("uri_sans");
        for (String uri : uris) {
            g.writeString(uri);
        }
        g.writeEndArray();
        g.writeStringField("sha256", e.clientSha256());
        g.writeStringField("issuer", e.clientIssuer());
        g.writeStringField("serial", e.clientSerial());
        g.writeEndObject();
    }

    /** ECS writes the version number alone ({@code 1.3}); the protocol is always TLS here. */
    private static String ecsTlsVersion(String version) {
        return version != null && version.startsWith("TLSv") ? version.substring(4) : version;
    }
}
