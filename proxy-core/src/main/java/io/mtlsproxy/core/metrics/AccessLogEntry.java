package io.mtlsproxy.core.metrics;

import java.time.Instant;
import java.util.List;

/**
 * One request as the access log records it. Identity fields are null/empty when no certificate was presented;
 * {@code reason} is set on answers the proxy made itself (404, 403, 502, ...). {@code clientIssuer} and
 * {@code clientSerial} name the CA and serial of the client's certificate (a client-CA rollover tells old-CA
 * from new-CA clients by the issuer); {@code awsVpceId} is set when the connection came through an AWS
 * PrivateLink endpoint (PROXY v2 TLV 0xEA).
 */
public record AccessLogEntry(
        Instant time,
        String listener,
        String route,
        String remoteAddress,
        String method,
        String path,
        int status,
        long bytesIn,
        long bytesOut,
        long durationMicros,
        String upstreamEndpoint,
        String clientSubject,
        List<String> clientUriSans,
        String clientSha256,
        String clientIssuer,
        String clientSerial,
        String reason,
        String awsVpceId) {}
