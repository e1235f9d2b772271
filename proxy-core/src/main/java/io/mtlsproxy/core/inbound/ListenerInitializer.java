package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.renew.acme.ChallengeResponders;
import io.mtlsproxy.core.timeout.IdleTimeout;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.mtlsproxy.core.tls.ServerSniHandler;
import io.mtlsproxy.core.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Builds one client connection's pipeline from the listener of the snapshot current at accept time, so that a
 * reload reaches every new connection (new handshakes get the new TLS contexts) and none that is established:
 * <pre>
 * [proxy-protocol → proxy-protocol-reader] → [acme-tls-alpn-01] → [plain-http → sni|tls → handshake] → [protocol]
 *   → request-head-start → http-encoder → http-decoder → [request-validator] → request-header-timeout → idle
 *   → [acme-http-01] → proxy
 * </pre>
 * {@code http-decoder} is a stand-in until the first request bytes arrive: it then becomes the decoder and adds
 * {@code request-validator} after itself, so an idle connection holds no parser state.
 * {@code protocol} (when the listener can speak more than HTTP/1.1) replaces the HTTP/1.1 handlers after the
 * handshake for HTTP/2 or a tcp route. The {@code acme-*} handlers are there only on a listener that an ACME
 * issuer names as its {@code challenge-listener}. {@code sni} replaces itself with {@code tls} once it has read the
 * ClientHello; a listener whose SNI chooses nothing gets {@code tls} at once. Every handler is set-up work of every
 * handshake, so the connection limit is decided here, before any, and {@code lingering-close} goes first only when
 * a refusal arms it.
 */
public final class ListenerInitializer extends ChannelInitializer<Channel> {
    /** The HTTP/1.1 handlers {@link #initChannel} adds, by name, with the proxy handler last. */
    private static final String[] HTTP1_HANDLERS = {
        "request-head-start", "http-encoder", "http-decoder", "request-validator", "request-header-timeout", "proxy"
    };

    private final String name;
    private final Function<String, Listener> current;
    private final ConnectionLimit limit;
    private final ProxyMetrics metrics;
    private final BiFunction<Channel, Listener, ChannelHandler> proxyHandler;
    private final Consumer<Channel> onAccept;
    private BiFunction<Channel, Listener, ChannelHandler> protocolSwitch = (ch, l) -> null;
    private ChallengeResponders challenges = ChallengeResponders.NONE;
    /** The last listener limits' decoder stand-in: shared by the connections until a reload changes the limits. */
    private volatile Sharing decoderSharing;

    private record Sharing(Limits limits, RequestDecoderOnFirstByte handler) {}

    /**
     * @param current      the listener named {@code name} in the current snapshot
     * @param proxyHandler makes the connection's last handler (the HTTP proxy)
     * @param onAccept     sees every accepted connection (drain tracks them)
     */
    public ListenerInitializer(
            String name,
            Function<String, Listener> current,
            ProxyMetrics metrics,
            BiFunction<Channel, Listener, ChannelHandler> proxyHandler,
            Consumer<Channel> onAccept) {
        this.name = requireNonNull(name, "name");
        this.current = requireNonNull(current, "current");
        this.metrics = requireNonNull(metrics, "metrics");
        this.proxyHandler = requireNonNull(proxyHandler, "proxyHandler");
        this.onAccept = requireNonNull(onAccept, "onAccept");
        this.limit = new ConnectionLimit(metrics.activeConnections(name));
    }

    /** Makes the handler that chooses HTTP/2 or a tcp relay after the handshake; null when there is no choice. */
    public ListenerInitializer protocolSwitch(BiFunction<Channel, Listener, ChannelHandler> protocolSwitch) {
        this.protocolSwitch = requireNonNull(protocolSwitch, "protocolSwitch");
        return this;
    }

    /** Answers ACME validations on the listeners that issuers name (tls-alpn-01, http-01). */
    public ListenerInitializer challenges(ChallengeResponders challenges) {
        this.challenges = requireNonNull(challenges, "challenges");
        return this;
    }

    @Override
    protected void initChannel(Channel ch) {
        Listener listener = current.apply(name);
        if (listener == null) {
            ch.close();
            return;
        }
        onAccept.accept(ch);
        Limits limits = listener.config().limits();
        if (!limit.admit(ch, limits.maxConnections())) {
            ch.close(); // before any TLS work is spent on it
            return;
        }
        boolean secure = listener.mode() != TlsMode.NONE;
        InboundConnection.attach(ch, name, secure);
        ChannelPipeline p = ch.pipeline();
        if (listener.config().proxyProtocol()) {
            // before TLS: the load balancer's header names the client; without it the connection is closed
            p.addLast("proxy-protocol", ProxyProtocolReader.decoder());
            p.addLast(
                    "proxy-protocol-reader",
                    new ProxyProtocolReader(limits.handshakeTimeout().toMillis(), metrics, name));
        }
        if (secure) {
            ChannelHandler acme = challenges.tlsAlpn01(listener.config());
            if (acme != null) { // sees the ClientHello first: an acme-tls/1 validation must not reach sni
                p.addLast("acme-tls-alpn-01", acme);
            }
            addTls(ch, listener.tls().orElseThrow(), limits.handshakeTimeout().toMillis(), acme == null);
        }
        ChannelHandler protocol = protocolSwitch.apply(ch, listener);
        if (protocol != null) {
            p.addLast("protocol", protocol);
        }
        RequestHeaderTimeout headerTimeout =
                new RequestHeaderTimeout(limits.requestHeaderTimeout().toMillis());
        p.addLast("request-head-start", headerTimeout.headStart());
        p.addLast("http-encoder", new HttpResponseEncoder());
        p.addLast("http-decoder", decoderOnFirstByte(limits)); // adds request-validator after itself
        p.addLast("request-header-timeout", headerTimeout);
        p.addLast("idle", new IdleTimeout(limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        ChannelHandler http01 = challenges.http01(listener.config());
        if (http01 != null) {
            p.addLast("acme-http-01", http01);
        }
        p.addLast("proxy", proxyHandler.apply(ch, listener));
    }

    /**
     * The TLS handlers, after "plain-http" (400 rather than silence for plain HTTP). One handshake-timeout, counted
     * from accept, bounds the wait for the ClientHello and the handshake together. When SNI picks the certificate (or
     * a tls.hosts group), the SNI handler reads the ClientHello, then replaces itself with the SslHandler ("tls");
     * when there is nothing to pick, the SslHandler is there from the start. Not while an ACME tls-alpn-01
     * validation is pending: its handler replaces what follows it with a handshake of its own.
     */
    private void addTls(Channel ch, ServerTls tls, long handshakeTimeoutMillis, boolean noAcme) {
        ChannelPipeline p = ch.pipeline();
        SslContext sole = noAcme ? tls.soleContext() : null;
        if (sole == null) {
            p.addLast("plain-http", new PlainHttpOnTlsPort(metrics, name, null));
            p.addLast("sni", new ServerSniHandler(tls, handshakeTimeoutMillis));
            p.addLast("handshake", new HandshakeObserver(metrics, ProxyMetrics.Side.INBOUND, name));
        } else {
            SslHandler ssl = tls.newHandler(sole, ch.alloc(), handshakeTimeoutMillis);
            HandshakeObserver handshake = HandshakeObserver.afterSslHandler(metrics, name, ssl);
            p.addLast("plain-http", new PlainHttpOnTlsPort(metrics, name, handshake));
            p.addLast("tls", ssl);
            p.addLast("handshake", handshake);
        }
    }

    /**
     * Takes the HTTP/1.1 handlers (and the proxy handler, last) out of a connection's pipeline: it speaks tcp or
     * HTTP/2 after all, or a WebSocket took it over.
     */
    public static void removeHttp1(ChannelPipeline p) {
        for (String name : HTTP1_HANDLERS) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
    }

    private RequestDecoderOnFirstByte decoderOnFirstByte(Limits limits) {
        Sharing s = decoderSharing;
        if (s == null || !s.limits().equals(limits)) {
            s = new Sharing(limits, new RequestDecoderOnFirstByte(decoderConfig(limits)));
            decoderSharing = s;
        }
        return s.handler();
    }

    /** Strict HTTP/1.1 parsing: max-header-size (431 past it), Content-Length with Transfer-Encoding refused. */
    static HttpDecoderConfig decoderConfig(Limits limits) {
        int maxHeader = (int) Math.min(Integer.MAX_VALUE, Math.max(1024, limits.maxHeaderSize()));
        return new HttpDecoderConfig()
                .setMaxHeaderSize(maxHeader)
                .setMaxInitialLineLength(Math.max(8192, maxHeader))
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true);
    }
}
