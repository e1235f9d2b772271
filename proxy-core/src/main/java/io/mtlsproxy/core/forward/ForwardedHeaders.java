package io.mtlsproxy.core.forward;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.mtlsproxy.config.ForwardClientCert;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * X-Forwarded-For, -Proto, -Host and -Client-Cert are the proxy's alone. Whatever the client sent under these
 * names, including spellings with underscores ({@code X_Forwarded_For}), which some origins' frameworks fold into
 * the same variable, is dropped; only a route with {@code forward-client-cert = append-forward} keeps the incoming
 * X-Forwarded-For and X-Forwarded-Client-Cert (the client is then another trusted proxy) and appends to them.
 */
final class ForwardedHeaders {
    static final String XFF = "x-forwarded-for";
    static final String XFP = "x-forwarded-proto";
    static final String XFH = "x-forwarded-host";
    static final String XFCC = "x-forwarded-client-cert";
    private static final Set<String> ALL = Set.of(XFF, XFP, XFH, XFCC);

    private ForwardedHeaders() {
    }

    /** True for any spelling of a forwarded header: case-insensitive, '_' standing for '-'. */
    static boolean isForwardedHeader(String name) {
        return ALL.contains(name.toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /**
     * Replaces the client's forwarded headers with the proxy's. {@code host} is the request's Host as received.
     */
    static void apply(HttpHeaders headers, ForwardClientCert mode, InboundConnection conn, String host) {
        boolean append = mode == ForwardClientCert.APPEND_FORWARD;
        String priorFor = append ? joined(headers, XFF, ", ") : null;
        String priorCert = append ? joined(headers, XFCC, ",") : null;

        List<String> spoofable = new ArrayList<>();
        for (String name : headers.names()) {
            if (isForwardedHeader(name)) {
                spoofable.add(name);
            }
        }
        spoofable.forEach(headers::remove);

        String peer = conn.remoteAddress();
        headers.set(XFF, priorFor == null ? peer : priorFor + ", " + peer);
        headers.set(XFP, conn.secure() ? "https" : "http");
        headers.set(XFH, host);

        String element = ClientCertHeader.element(conn.peer());
        String cert = switch (mode) {
            case SANITIZE -> null;
            case SANITIZE_SET -> element;
            case APPEND_FORWARD -> priorCert == null ? element
                    : element == null ? priorCert : priorCert + "," + element;
        };
        if (cert != null) {
            headers.set(XFCC, cert);
        }
    }

    /** The values of the canonical header only (never an underscore variant), joined; null when absent. */
    private static String joined(HttpHeaders headers, String name, String separator) {
        List<String> values = headers.getAll(name);
        return values.isEmpty() ? null : String.join(separator, values);
    }
}
