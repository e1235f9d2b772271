package io.mtlsproxy.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the parts of a route's {@code upstream} block that say how endpoints are used: load-balancing,
 * health-check, passive-ejection, retries and idle-timeout, with the route's own {@code timeout}.
 */
final class UpstreamPolicyReader {
    /** The keys of {@code upstream} this reader owns. */
    static final List<String> KEYS =
            List.of("load-balancing", "health-check", "passive-ejection", "retries", "idle-timeout");

    private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    private static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    private static final Pattern PERCENT = Pattern.compile("\\s*([0-9]{1,3})\\s*%\\s*");
    private static final Pattern METHOD = Pattern.compile("[A-Z]+");

    private UpstreamPolicyReader() {}

    /** {@code timeout} is the route's {@code timeout} key, read here because it belongs with the others. */
    static UpstreamPolicy read(Node u, Optional<Node> timeout) {
        LoadBalancing balancing =
                Scalars.enumValue(u, "load-balancing", LoadBalancing.class, LoadBalancing.ROUND_ROBIN);
        Optional<HealthCheck> healthCheck = u.object("health-check").map(UpstreamPolicyReader::healthCheck);
        Optional<PassiveEjection> ejection = u.object("passive-ejection").map(UpstreamPolicyReader::passiveEjection);
        Retries retries = u.object("retries").map(UpstreamPolicyReader::retries).orElse(Retries.DEFAULT);
        Optional<Duration> idle = u.child("idle-timeout").map(n -> Scalars.duration(n, null, MIN_TIMEOUT));
        Optional<Duration> total = timeout.map(n -> Scalars.duration(n, null, MIN_TIMEOUT));
        UpstreamPolicy policy = new UpstreamPolicy(balancing, healthCheck, ejection, retries, idle, total);
        return policy.equals(UpstreamPolicy.DEFAULT) ? UpstreamPolicy.DEFAULT : policy; // most routes: one shared
    }

    private static HealthCheck healthCheck(Node h) {
        h.allowOnly("path", "interval", "timeout", "healthy-threshold", "unhealthy-threshold");
        Optional<String> path = h.text("path").map(String::trim);
        path.filter(p -> !p.startsWith("/") || p.chars().anyMatch(c -> c <= ' '))
                .ifPresent(p ->
                        h.error("path", Syntax.quote(p) + " (expected: a path starting with /, e.g. \"/healthz\")"));
        Duration interval = Scalars.duration(h, "interval", HealthCheck.DEFAULT_INTERVAL, MIN_INTERVAL);
        Duration timeout = Scalars.duration(h, "timeout", HealthCheck.DEFAULT_TIMEOUT, MIN_TIMEOUT);
        if (timeout.compareTo(interval) > 0) {
            h.error(
                    "timeout",
                    Scalars.format(timeout) + " is above interval " + Scalars.format(interval)
                            + " (expected: timeout <= interval: one check at a time)");
        }
        return new HealthCheck(
                path.filter(p -> p.startsWith("/")),
                interval,
                timeout,
                Scalars.integer(h, "healthy-threshold", HealthCheck.DEFAULT_HEALTHY_THRESHOLD, 1, 100),
                Scalars.integer(h, "unhealthy-threshold", HealthCheck.DEFAULT_UNHEALTHY_THRESHOLD, 1, 100));
    }

    private static PassiveEjection passiveEjection(Node p) {
        p.allowOnly("failures", "window", "ejection");
        PassiveEjection d = PassiveEjection.DEFAULT;
        return new PassiveEjection(
                Scalars.integer(p, "failures", d.failures(), 1, 1000),
                Scalars.duration(p, "window", d.window(), MIN_TIMEOUT),
                Scalars.duration(p, "ejection", d.ejection(), MIN_TIMEOUT));
    }

    private static Retries retries(Node r) {
        r.allowOnly("attempts", "on", "methods", "non-idempotent", "per-try-timeout", "budget", "buffer-limit");
        Retries d = Retries.DEFAULT;
        int attempts = Scalars.integer(r, "attempts", d.attempts(), 0, 10);
        Set<RetryOn> on = r.has("on") ? EnumSet.noneOf(RetryOn.class) : d.on();
        for (Node c : r.stringList("on")) {
            RetryOn.parse(c.string())
                    .ifPresentOrElse(
                            on::add,
                            () -> c.error(Syntax.quote(c.string())
                                    + " (expected: one of connect-failure, reset, 502, 503, 504)"
                                    + DidYouMean.hint(c.string(), List.of("connect-failure", "reset"))));
        }
        boolean nonIdempotent = Scalars.bool(r, "non-idempotent", false);
        Set<String> methods = r.has("methods") ? new LinkedHashSet<>() : d.methods();
        for (Node m : r.stringList("methods")) {
            String method = m.string().trim().toUpperCase(Locale.ROOT);
            if (!METHOD.matcher(method).matches()) {
                m.error(Syntax.quote(m.string()) + " (expected: an HTTP method such as GET)");
            } else if (!Retries.IDEMPOTENT_METHODS.contains(method) && !nonIdempotent) {
                m.error(method + " is not idempotent: a retry may make the origin act twice (expected: only "
                        + "GET, HEAD, OPTIONS, PUT, DELETE, TRACE, or non-idempotent = true to retry " + method
                        + " anyway)");
            } else {
                methods.add(method);
            }
        }
        Optional<Duration> perTry = r.child("per-try-timeout").map(n -> Scalars.duration(n, null, MIN_TIMEOUT));
        long bufferLimit = Scalars.size(r, "buffer-limit", d.bufferLimit());
        return new Retries(attempts, on, methods, perTry, budget(r, d.budgetPercent()), bufferLimit);
    }

    private static int budget(Node r, int defaultPercent) {
        return r.child("budget")
                .flatMap(b -> b.asText().map(text -> {
                    Matcher m = PERCENT.matcher(text);
                    int percent = m.matches() ? Integer.parseInt(m.group(1)) : -1;
                    if (percent < 0 || percent > 100) {
                        b.error(Syntax.quote(text)
                                + " (expected: a share of the route's active requests, \"0%\" to \"100%\", e.g."
                                + " \"20%\")");
                        return defaultPercent;
                    }
                    return percent;
                }))
                .orElse(defaultPercent);
    }
}
