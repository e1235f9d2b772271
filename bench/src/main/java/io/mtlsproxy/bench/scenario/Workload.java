package io.mtlsproxy.bench.scenario;

/**
 * What the load generator does on a leg. The origin serves {@code /small} (13 bytes), {@code /16k} and
 * {@code /64m}; each workload names the path it asks for and the body length it must get back.
 */
public enum Workload {
    /** Closed loop over keep-alive connections, 13-byte responses. */
    SMALL("small", "13 B keep-alive", "/small", 13, Metric.REQUESTS_PER_SECOND),
    /** Closed loop over keep-alive connections, 16 KiB responses. */
    LARGE("16k", "16 KiB keep-alive", "/16k", 16 * 1024, Metric.REQUESTS_PER_SECOND),
    /** A new connection and a full TLS 1.3 handshake per request, no session resumption. */
    HANDSHAKE_TLS13("handshake-tls13", "full handshake TLS 1.3", "/small", 13, Metric.HANDSHAKES_PER_SECOND),
    /** A new connection and a full TLS 1.2 handshake per request, no session resumption. */
    HANDSHAKE_TLS12("handshake-tls12", "full handshake TLS 1.2", "/small", 13, Metric.HANDSHAKES_PER_SECOND),
    /** One connection downloading a 64 MiB body streamed through the proxy, back to back. */
    STREAM("stream-64m", "64 MiB streamed download", "/64m", 64L * 1024 * 1024, Metric.MEGABYTES_PER_SECOND),
    /** Open loop at a fixed rate; latency counted from each request's intended send time. */
    FIXED_RATE("fixed-rate", "13 B at fixed rate (open loop)", "/small", 13, Metric.P99_LATENCY),
    /** Many handshaken, idle connections held open; the peer's RSS growth per connection. */
    IDLE("idle", "idle connections", "/small", 13, Metric.MEMORY_PER_IDLE_CONNECTION),
    /**
     * HTTP/2 chosen by ALPN, many streams per connection, driven by h2load (the origin stays HTTP/1.1: each peer
     * translates). On a TLS leg only: h2load cannot present a client certificate.
     */
    H2("h2", "13 B over HTTP/2 (h2load)", "/small", 13, Metric.REQUESTS_PER_SECOND),
    /**
     * HTTP/2 over mutual TLS: the same shape as {@link #H2} (connections × concurrent streams, closed loop per
     * stream), driven by the bench's own load generator, which presents the client certificate h2load cannot.
     */
    H2_MTLS("h2-mtls", "13 B over HTTP/2 (load generator)", "/small", 13, Metric.REQUESTS_PER_SECOND),
    /**
     * {@link #SMALL} driven by {@code mtlsload} (Go, client certificates; {@code ../shared/tools}) instead of the
     * bench's own load generator: the cross-check that neither generator favours a peer.
     */
    SMALL_MTLSLOAD("small-mtlsload", "13 B keep-alive (mtlsload)", "/small", 13, Metric.REQUESTS_PER_SECOND);

    private final String id;
    private final String label;
    private final String path;
    private final long bodyBytes;
    private final Metric metric;

    Workload(String id, String label, String path, long bodyBytes, Metric metric) {
        this.id = id;
        this.label = label;
        this.path = path;
        this.bodyBytes = bodyBytes;
        this.metric = metric;
    }

    public String id() {
        return id;
    }

    public String label() {
        return label;
    }

    public String path() {
        return path;
    }

    public long bodyBytes() {
        return bodyBytes;
    }

    public Metric metric() {
        return metric;
    }

    public boolean newConnectionPerRequest() {
        return this == HANDSHAKE_TLS13 || this == HANDSHAKE_TLS12;
    }

    /** Spoken over HTTP/2 (h2 by ALPN). */
    public boolean http2() {
        return this == H2 || this == H2_MTLS;
    }

    /** Run by mtlsload instead of the Netty load generator. */
    public boolean mtlsload() {
        return this == SMALL_MTLSLOAD;
    }

    /** Run by h2load instead of the Netty load generator. */
    public boolean h2load() {
        return this == H2;
    }

    /** The TLS version the load generator offers: TLS 1.2 only for the TLS 1.2 handshake figure. */
    public String clientProtocol() {
        return this == HANDSHAKE_TLS12 ? "TLSv1.2" : "TLSv1.3";
    }
}
