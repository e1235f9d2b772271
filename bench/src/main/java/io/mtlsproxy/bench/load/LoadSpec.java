package io.mtlsproxy.bench.load;

import static java.util.Objects.requireNonNull;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.Optional;

/**
 * One load run against one port. Closed loop when {@code rate} is 0: {@code connections} connections each send
 * the next request as soon as the previous answer ends. Open loop otherwise: requests are due at a fixed
 * {@code rate} (per second, all connections together) and each one's latency counts from when it was due, so a
 * stall shows up in the percentiles instead of silently lowering the request rate (coordinated omission).
 * HTTP/1.1 when {@code http2Streams} is 0; otherwise HTTP/2 (h2 by ALPN, so over TLS only), each connection keeping
 * {@code http2Streams} requests in flight, each stream a closed loop of its own.
 */
public record LoadSpec(
        String host,
        int port,
        String serverName,
        Optional<SslContext> tls,
        String path,
        long expectedBodyBytes,
        boolean newConnectionPerRequest,
        int connections,
        Duration warmup,
        Duration duration,
        double rate,
        Duration requestTimeout,
        int http2Streams) {
    public LoadSpec {
        requireNonNull(host, "host");
        requireNonNull(serverName, "serverName");
        requireNonNull(tls, "tls");
        requireNonNull(path, "path");
        requireNonNull(warmup, "warmup");
        requireNonNull(duration, "duration");
        requireNonNull(requestTimeout, "requestTimeout");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: at least 1)");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: 0 for closed loop, or > 0)");
        }
        if (rate > 0 && newConnectionPerRequest) {
            throw new IllegalArgumentException("rate: the open loop runs over keep-alive connections only");
        }
        if (http2Streams < 0) {
            throw new IllegalArgumentException("http2Streams: " + http2Streams + " (expected: 0 for HTTP/1.1, or > 0)");
        }
        if (http2Streams > 0 && (tls.isEmpty() || rate > 0 || newConnectionPerRequest)) {
            throw new IllegalArgumentException("http2Streams: " + http2Streams + " needs TLS (h2 is chosen by ALPN), "
                    + "the closed loop and keep-alive connections");
        }
    }

    public boolean openLoop() {
        return rate > 0;
    }

    public boolean http2() {
        return http2Streams > 0;
    }

    public static Builder builder(int port) {
        return new Builder(port);
    }

    public static final class Builder {
        private final int port;
        private String host = "127.0.0.1";
        private String serverName = "localhost";
        private Optional<SslContext> tls = Optional.empty();
        private String path = "/";
        private long expectedBodyBytes = -1;
        private boolean newConnectionPerRequest;
        private int connections = 1;
        private Duration warmup = Duration.ZERO;
        private Duration duration = Duration.ofSeconds(1);
        private double rate;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private int http2Streams;

        private Builder(int port) {
            this.port = port;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** SNI, name verified in the server's certificate, and Host header. */
        public Builder serverName(String serverName) {
            this.serverName = serverName;
            return this;
        }

        public Builder tls(SslContext tls) {
            this.tls = Optional.ofNullable(tls);
            return this;
        }

        /** Path to ask for, and the body length every answer must have (-1: any). */
        public Builder request(String path, long expectedBodyBytes) {
            this.path = path;
            this.expectedBodyBytes = expectedBodyBytes;
            return this;
        }

        public Builder newConnectionPerRequest(boolean value) {
            this.newConnectionPerRequest = value;
            return this;
        }

        public Builder connections(int connections) {
            this.connections = connections;
            return this;
        }

        public Builder warmup(Duration warmup) {
            this.warmup = warmup;
            return this;
        }

        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        public Builder rate(double rate) {
            this.rate = rate;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * HTTP/2 with {@code streamsPerConnection} requests in flight on each connection; {@link #tls} must offer
         * {@code h2} by ALPN ({@link ClientTls#create(String, java.nio.file.Path, Optional, boolean)}).
         */
        public Builder http2(int streamsPerConnection) {
            this.http2Streams = streamsPerConnection;
            return this;
        }

        public LoadSpec build() {
            return new LoadSpec(
                    host,
                    port,
                    serverName,
                    tls,
                    path,
                    expectedBodyBytes,
                    newConnectionPerRequest,
                    connections,
                    warmup,
                    duration,
                    rate,
                    requestTimeout,
                    http2Streams);
        }
    }
}
