package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ConfigError;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * A listener's server contexts, one per certificate, built in parallel: a thousand OpenSSL contexts (each taking
 * its key and chain through an in-memory key store and PEM) were a fifth of {@code check-config}'s CPU, and each
 * is independent of the others. They come back in certificate order, and a certificate that cannot serve becomes
 * an error at its {@code cert} line, in that order too.
 */
final class ServerContexts {
    /** Builds the context of one certificate. */
    @FunctionalInterface
    interface Factory {
        SslContext newContext(LoadedKey key) throws SSLException;
    }

    private record Built(SslContext context, ConfigError error) {}

    private ServerContexts() {}

    static List<SslContext> build(List<LoadedKey> keys, Factory factory, List<ConfigError> errors) {
        List<Built> built = keys.parallelStream()
                .map(key -> {
                    try {
                        return new Built(factory.newContext(key), null);
                    } catch (SSLException | RuntimeException e) {
                        return new Built(
                                null,
                                key.certificateFile()
                                        .error("cannot use "
                                                + key.certificateFile().path() + " as a server certificate: "
                                                + e.getMessage()));
                    }
                })
                .toList();
        List<SslContext> contexts = new ArrayList<>();
        for (Built b : built) {
            if (b.context() != null) {
                contexts.add(b.context());
            } else {
                errors.add(b.error());
            }
        }
        return contexts;
    }
}
