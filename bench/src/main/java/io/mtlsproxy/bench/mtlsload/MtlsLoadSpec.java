package io.mtlsproxy.bench.mtlsload;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** One mtlsload run: keep-alive connections against a peer's port, pinned like the bench's own load generator. */
public record MtlsLoadSpec(
        int port,
        String path,
        int connections,
        Duration warmup,
        Duration duration,
        Path caCert,
        Path clientCert,
        Path clientKey,
        long peerPid,
        Optional<String> cpus) {
    public MtlsLoadSpec {
        requireNonNull(path, "path");
        requireNonNull(warmup, "warmup");
        requireNonNull(duration, "duration");
        requireNonNull(caCert, "caCert");
        requireNonNull(clientCert, "clientCert");
        requireNonNull(clientKey, "clientKey");
        requireNonNull(cpus, "cpus");
    }
}
