package io.mtlsproxy.core.forward;

import io.mtlsproxy.config.ForwardClientCert;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

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
    private static final AsciiString XFF_NAME = AsciiString.cached(XFF);
    private static final AsciiString XFP_NAME = AsciiString.cached(XFP);
    private static final AsciiString XFH_NAME = AsciiString.cached(XFH);
    private static final AsciiString XFCC_NAME = AsciiString.cached(XFCC);
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString HTTP = AsciiString.cached("http");

    private ForwardedHeaders() {}

    /** True for any spelling of a forwarded header: case-insensitive, '_' standing for '-'. */
    static boolean isForwardedHeader(CharSequence name) {
        return switch (name.length()) {
            case 15 -> HeaderNames.isSpelledAs(name, XFF);
            case 16 -> HeaderNames.isSpelledAs(name, XFH);
            case 17 -> HeaderNames.isSpelledAs(name, XFP);
            case 23 -> HeaderNames.isSpelledAs(name, XFCC);
            default -> false;
        };
    }

    /**
     * Replaces the client's forwarded headers with the proxy's. {@code host} is the request's Host as received.
     */
    static void apply(HttpHeaders headers, ForwardClientCert mode, InboundConnection conn, String host) {
        boolean append = mode == ForwardClientCert.APPEND_FORWARD;
        String priorFor = append ? joined(headers, XFF_NAME, ", ") : null;
        String priorCert = append ? joined(headers, XFCC_NAME, ",") : null;

        List<CharSequence> spoofable = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (isForwardedHeader(name)) {
                if (spoofable == null) {
                    spoofable = new ArrayList<>(4);
                }
                spoofable.add(name);
            }
        }
        if (spoofable != null) {
            spoofable.forEach(headers::remove);
        }

        String peer = conn.remoteAddress();
        headers.add(XFF_NAME, priorFor == null ? peer : priorFor + ", " + peer);
        headers.add(XFP_NAME, conn.secure() ? HTTPS : HTTP);
        headers.add(XFH_NAME, host);

        String element = conn.clientCertElement(ClientCertHeader::element);
        String cert = switch (mode) {
            case SANITIZE -> null;
            case SANITIZE_SET -> element;
            case APPEND_FORWARD ->
                priorCert == null ? element : element == null ? priorCert : priorCert + "," + element;
        };
        if (cert != null) {
            headers.add(XFCC_NAME, cert);
        }
    }

    /** The values of the canonical header only (never an underscore variant), joined; null when absent. */
    private static String joined(HttpHeaders headers, CharSequence name, String separator) {
        List<String> values = headers.getAll(name);
        return values.isEmpty() ? null : String.join(separator, values);
    }
}
