package io.mtlsproxy.core.forward;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Iterator;

/**
 * Where a request goes: its Host (validated) and its target in origin form. Strict where ambiguity could let a
 * request be routed one way and understood another (RFC 9112 §3.2): exactly one valid Host, no userinfo, a numeric
 * port, an origin-form or absolute-form target. An absolute-form target's authority wins over Host, and the origin
 * receives the origin form with the Host set to that authority.
 */
record RequestTarget(String host, String uri, String path) {
    /** A request the proxy refuses to forward: the status and one-line reason of its answer. */
    static final class Rejected extends Exception {
        final int status;

        Rejected(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    static RequestTarget of(HttpRequest req) throws Rejected {
        if (HttpMethod.CONNECT.equals(req.method())) {
            throw new Rejected(405, "CONNECT is not supported by this proxy");
        }
        Iterator<String> hosts = req.headers().valueStringIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            throw new Rejected(400, "missing Host header");
        }
        String host = hosts.next();
        if (hosts.hasNext()) {
            throw new Rejected(400, "several Host headers");
        }
        String uri = req.uri();
        if (HeaderNames.startsWith(uri, "http://") || HeaderNames.startsWith(uri, "https://")) {
            int authorityStart = uri.indexOf("//") + 2;
            int pathStart = indexOfAny(uri, authorityStart);
            host = uri.substring(authorityStart, pathStart);
            uri = pathStart == uri.length()
                    ? "/"
                    : uri.charAt(pathStart) == '/' ? uri.substring(pathStart) : "/" + uri.substring(pathStart);
        } else if (!uri.startsWith("/") && !(uri.equals("*") && HttpMethod.OPTIONS.equals(req.method()))) {
            throw new Rejected(400, "invalid request target (expected: a path starting with /)");
        }
        String hostProblem = hostProblem(host);
        if (hostProblem != null) {
            throw new Rejected(400, "invalid Host header: " + hostProblem);
        }
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c == 0x7f || c == '#') {
                throw new Rejected(400, "invalid character in request target");
            }
        }
        int q = uri.indexOf('?');
        return new RequestTarget(host, uri, q < 0 ? uri : uri.substring(0, q));
    }

    private static int indexOfAny(String uri, int from) {
        for (int i = from; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '/' || c == '?') {
                return i;
            }
        }
        return uri.length();
    }

    /**
     * Null when {@code host} is {@code name[:port]} or {@code [ipv6][:port]}; else what is wrong with it. It runs for
     * every request, so it checks the parts where they are, by index, without cutting them out.
     */
    static String hostProblem(String host) {
        if (host.isEmpty()) {
            return "empty";
        }
        int portFrom; // where the port's digits start; host.length() when there is no port
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                return "unterminated IPv6 literal";
            }
            for (int i = 1; i < end; i++) {
                char c = host.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return "bad IPv6 literal";
                }
            }
            if (end + 1 < host.length() && host.charAt(end + 1) != ':') {
                return "junk after IPv6 literal";
            }
            portFrom = end + 1 < host.length() ? end + 2 : host.length();
        } else {
            int colon = host.indexOf(':');
            int nameEnd = colon >= 0 ? colon : host.length();
            if (nameEnd == 0) {
                return "empty host name";
            }
            for (int i = 0; i < nameEnd; i++) {
                char c = host.charAt(i);
                boolean ok = c >= 'a' && c <= 'z'
                        || c >= 'A' && c <= 'Z'
                        || c >= '0' && c <= '9'
                        || c == '-'
                        || c == '.'
                        || c == '_'
                        || c == '~';
                if (!ok) {
                    return c == '@' ? "userinfo is not allowed" : "bad character in host name";
                }
            }
            portFrom = colon >= 0 ? colon + 1 : host.length();
        }
        boolean hasPort = portFrom < host.length() || host.charAt(host.length() - 1) == ':';
        if (hasPort) {
            int digits = host.length() - portFrom;
            if (digits == 0 || digits > 5) {
                return "bad port";
            }
            int port = 0;
            for (int i = portFrom; i < host.length(); i++) {
                char c = host.charAt(i);
                if (c < '0' || c > '9') {
                    return "bad port";
                }
                port = port * 10 + (c - '0');
            }
            if (port > 65535) {
                return "bad port";
            }
        }
        return null;
    }
}
