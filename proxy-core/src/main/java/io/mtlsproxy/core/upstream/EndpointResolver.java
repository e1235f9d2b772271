package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-resolves origin host names on its own thread, so that no event loop ever waits for DNS. A snapshot's
 * endpoints are first resolved when it is built; this keeps them fresh while it is current.
 */
public final class EndpointResolver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointResolver.class);

    private final ScheduledExecutorService executor;

    public EndpointResolver(Supplier<Collection<UpstreamEndpoint>> endpoints, Duration interval) {
        requireNonNull(endpoints, "endpoints");
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mtls-proxy-dns");
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        executor.scheduleWithFixedDelay(() -> {
            try {
                for (UpstreamEndpoint e : endpoints.get()) {
                    e.resolve();
                }
            } catch (RuntimeException e) {
                LOG.warn("re-resolving origins failed", e);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
