package io.mtlsproxy.core.metrics;

import java.time.Instant;
import java.util.List;

/**
 * One request as the access log records it. Identity fields are null/empty when no certificate was presented;
 * {@code reason} is set on answers the proxy made itself (404, 403, 502, ...). {@code clientIssuer} and
 * {@code clientSerial} name the CA and serial of the client's certificate (a client-CA rollover tells old-CA
 * from new-CA clients by the issuer); {@code awsVpceId} is set when the connection came through an AWS
 * PrivateLink endpoint (PROXY v2 TLV 0xEA).
 * <p>
 * {@code requestId}, {@code userAgent}, {@code tlsVersion}, {@code cipher} and {@code sni} are null when unknown
 * (a plain listener has no TLS facts); {@code upstreamConnectMicros} (from asking for an origin connection to having
 * one: near 0 for a pooled one) and {@code upstreamResponseMicros} (from then to the response head) are -1 when the
 * request never got that far; {@code retries} counts the tries after the first.
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
        String awsVpceId,
        String requestId,
        String userAgent,
        String tlsVersion,
        String cipher,
        String sni,
        long upstreamConnectMicros,
        long upstreamResponseMicros,
        int retries) {}
