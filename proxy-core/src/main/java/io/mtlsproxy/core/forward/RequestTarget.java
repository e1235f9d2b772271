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

    /** Null when {@code host} is {@code name[:port]} or {@code [ipv6][:port]}; else what is wrong with it. */
    static String hostProblem(String host) {
        if (host.isEmpty()) {
            return "empty";
        }
        String name = host;
        String port = null;
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
            if (end + 1 < host.length()) {
                if (host.charAt(end + 1) != ':') {
                    return "junk after IPv6 literal";
                }
                port = host.substring(end + 2);
            }
            name = null;
        } else {
            int colon = host.indexOf(':');
            if (colon >= 0) {
                name = host.substring(0, colon);
                port = host.substring(colon + 1);
            }
        }
        if (name != null) {
            if (name.isEmpty()) {
                return "empty host name";
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
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
        }
        if (port != null) {
            if (port.isEmpty() || port.length() > 5) {
                return "bad port";
            }
            for (int i = 0; i < port.length(); i++) {
                if (port.charAt(i) < '0' || port.charAt(i) > '9') {
                    return "bad port";
                }
            }
            if (Integer.parseInt(port) > 65535) {
                return "bad port";
            }
        }
        return null;
    }
}
