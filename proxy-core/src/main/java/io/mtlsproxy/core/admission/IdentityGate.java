package io.mtlsproxy.core.admission;

import io.mtlsproxy.core.identity.IdentityPolicy;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.routing.Route;

/**
 * The route's client-identity policy: 403, 495 or 496 when it is enforced, a note when it is report-only; either
 * way the denial is counted in {@code mtls_proxy_identity_denials_total}.
 */
final class IdentityGate implements RouteGate {
    @Override
    public Check check(Route route, InboundConnection conn, ProxyMetrics metrics) {
        IdentityPolicy policy = route.policy();
        IdentityPolicy.Decision decision = policy.evaluate(conn.peer(), conn.awsVpceId());
        if (decision == IdentityPolicy.Decision.ADMIT) {
            return Check.PASS;
        }
        metrics.identityDenied(conn.listener(), conn.peer(), route.name(), policy.enforced()); // /clients counts it too
        return policy.enforced()
                ? Check.deny(decision.status(), decision.reason())
                : Check.note("report-only: " + decision.reason());
    }
}
