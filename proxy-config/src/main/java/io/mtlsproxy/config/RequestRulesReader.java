package io.mtlsproxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a route's {@code headers}, {@code rewrite} and {@code rate-limit} blocks. */
final class RequestRulesReader {
    static final List<String> KEYS = List.of("headers", "rewrite", "rate-limit");

    /** RFC 9110 token characters: what a header name may be made of. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private static final Pattern VARIABLE = Pattern.compile("%\\{([^}]*)}");

    /**
     * Headers the proxy writes itself (forwarded headers: a client or a rule setting them would forge them; trace
     * context and the request ID) or that frame the message: no rule may touch them, either way.
     */
    private static final Set<String> OWNED = Set.of(
            "x-forwarded-for",
            "x-forwarded-proto",
            "x-forwarded-host",
            "x-forwarded-client-cert",
            "traceparent",
            "tracestate",
            "connection",
            "keep-alive",
            "proxy-connection",
            "transfer-encoding",
            "te",
            "trailer",
            "upgrade",
            "content-length",
            "host");

    private RequestRulesReader() {}

    static RequestRules read(Node route, RouteProtocol protocol) {
        Optional<Node> headers = route.object("headers");
        Optional<Node> rewrite = route.object("rewrite");
        if (protocol == RouteProtocol.TCP) {
            for (String key : List.of("headers", "rewrite")) {
                if (route.has(key)) {
                    route.error(
                            key,
                            "on a tcp route (expected: nothing: a tcp route relays bytes, it has no headers"
                                    + " or paths)");
                }
            }
        }
        HeaderRuleSet request = headers.flatMap(h -> h.object("request"))
                .map(RequestRulesReader::ruleSet)
                .orElse(HeaderRuleSet.NONE);
        HeaderRuleSet response = headers.flatMap(h -> h.object("response"))
                .map(RequestRulesReader::ruleSet)
                .orElse(HeaderRuleSet.NONE);
        headers.ifPresent(h -> h.allowOnly("request", "response"));
        RequestRules rules = new RequestRules(
                request,
                response,
                rewrite.map(RequestRulesReader::rewrite).orElse(Rewrite.NONE),
                route.object("rate-limit").map(RequestRulesReader::rateLimit));
        return rules.equals(RequestRules.NONE) ? RequestRules.NONE : rules; // most routes: one shared instance
    }

    private static HeaderRuleSet ruleSet(Node rules) {
        rules.allowOnly("set", "add", "remove");
        Map<String, HeaderValue> set = values(rules, "set");
        Map<String, HeaderValue> add = values(rules, "add");
        List<String> remove = new ArrayList<>();
        for (Node n : rules.stringList("remove")) {
            if (checkName(n, n.string())) {
                remove.add(n.string());
            }
        }
        return new HeaderRuleSet(set, add, remove);
    }

    private static Map<String, HeaderValue> values(Node rules, String key) {
        Map<String, HeaderValue> out = new LinkedHashMap<>();
        rules.object(key).ifPresent(o -> {
            for (String name : o.keys()) {
                Node value = o.child(name).orElseThrow();
                Optional<String> text = value.asText();
                if (checkName(value, name) && text.isPresent()) {
                    headerValue(value, text.get()).ifPresent(v -> out.put(name, v));
                }
            }
        });
        return out;
    }

    private static boolean checkName(Node n, String name) {
        if (!TOKEN.matcher(name).matches()) {
            n.error(Syntax.quote(name) + " (expected: a header name such as X-Client-Spiffe-Id)");
            return false;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (OWNED.contains(lower) || OWNED.contains(lower.replace('_', '-')) || lower.startsWith("proxy-")) {
            n.error(name + " is the proxy's own header (expected: another header: forwarded headers, trace context"
                    + " and framing headers are written by the proxy alone)");
            return false;
        }
        return true;
    }

    private static Optional<HeaderValue> headerValue(Node n, String text) {
        if (text.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
            n.error(Syntax.quote(text) + " (expected: a header value on one line)");
            return Optional.empty();
        }
        List<HeaderValue.Part> parts = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text);
        int at = 0;
        boolean ok = true;
        while (m.find()) {
            if (m.start() > at) {
                parts.add(new HeaderValue.Literal(text.substring(at, m.start())));
            }
            Optional<HeaderVariable> variable = HeaderVariable.named(m.group(1).trim());
            if (variable.isPresent()) {
                parts.add(new HeaderValue.Variable(variable.get()));
            } else {
                ok = false;
                n.error("unknown variable %{" + m.group(1) + "} (expected: one of "
                        + String.join(
                                ", ",
                                HeaderVariable.names().stream()
                                        .map(v -> "%{" + v + "}")
                                        .toList())
                        + ")" + DidYouMean.hint(m.group(1), HeaderVariable.names()));
            }
            at = m.end();
        }
        if (at < text.length()) {
            parts.add(new HeaderValue.Literal(text.substring(at)));
        }
        return ok ? Optional.of(new HeaderValue(text, parts)) : Optional.empty();
    }

    private static Rewrite rewrite(Node r) {
        r.allowOnly("strip-prefix", "replace-prefix");
        return new Rewrite(prefix(r, "strip-prefix"), prefix(r, "replace-prefix"));
    }

    private static Optional<String> prefix(Node r, String key) {
        return r.text(key).filter(p -> {
            if (!p.startsWith("/") || p.chars().anyMatch(c -> c <= ' ' || c == '?' || c == '#')) {
                r.error(key, Syntax.quote(p) + " (expected: a path starting with /, e.g. \"/v2\")");
                return false;
            }
            return true;
        });
    }

    private static RateLimit rateLimit(Node r) {
        r.allowOnly("key", "rate", "per", "burst");
        RateLimitKey key = Scalars.enumValue(r, "key", RateLimitKey.class, RateLimitKey.CLIENT_IDENTITY);
        int rate = Scalars.requiredInteger(r, "rate", 1, Integer.MAX_VALUE).orElse(1);
        Duration per = Scalars.duration(r, "per", RateLimit.DEFAULT_PER, Duration.ofMillis(1));
        int burst = Scalars.integer(r, "burst", rate, 1, Integer.MAX_VALUE);
        return new RateLimit(key, rate, per, burst);
    }
}
