package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.trace.RequestIds;
import io.mtlsproxy.core.upstream.UpstreamPools;

/** What a client connection's proxy handler needs of the running proxy. Read on event loops: never blocks. */
public interface ForwardingContext {
    /** The listener of that name in the current snapshot: a new request uses the current routes and policies. */
    Listener listener(String name);

    UpstreamPools pools();

    ProxyMetrics metrics();

    AccessLog accessLog();

    /** The current request-ID policy (header name, whether a client's ID is kept). */
    default RequestIds requestIds() {
        return RequestIds.DEFAULT;
    }

    /** True once drain began: responses carry {@code Connection: close}. */
    boolean draining();
}
