package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TcpEchoOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestTls;
import io.mtlsproxy.core.tls.TlsProvider;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * protocol = tcp: raw bytes relayed after TLS termination, chosen by listener and SNI, to plain, TLS and mTLS
 * origins; identity policy, half-close (a FIN on plain and TLS listeners; a close_notify, which ends both
 * directions under BoringSSL and on TLS 1.2), byte counts in the access log; HTTP routes of the same listener
 * unaffected.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpRelayTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static CapturingAccessLog log = new CapturingAccessLog();
    static TcpEchoOrigin plainEcho;
    static TcpEchoOrigin tlsEcho;
    static TcpEchoOrigin mtlsEcho;
    static TcpEchoOrigin halfEcho;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        plainEcho = fx.closeLater(new TcpEchoOrigin(null, false));
        SSLContext originSide = TestTls.client(fx.proxyIdCa.certFile(), fx.originCert);
        tlsEcho = fx.closeLater(new TcpEchoOrigin(originSide, false));
        mtlsEcho = fx.closeLater(new TcpEchoOrigin(originSide, true));
        halfEcho = fx.closeLater(new TcpEchoOrigin(null, false));
        var tls = TestConfigs.listener("tls", TestConfigs.tls(fx.proxyServer));
        var mtls = TestConfigs.listener(
                "mtls", TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, true));
        var plain = TestConfigs.listener("plain", io.mtlsproxy.config.ListenerTls.plain());
        proxy = fx.start(
                ProxyServer.builder().metrics(ProxyMetrics.inMemory()).accessLog(log),
                List.of(tls, mtls, plain),
                List.of(
                        ProtoConfigs.tcp(TestConfigs.route("tcp-any", "plain")
                                .endpoint(plainEcho.port())
                                .build()),
                        ProtoConfigs.tcp(TestConfigs.route("tcp-plain", "tls")
                                .host("plain.example.com")
                                .endpoint(plainEcho.port())
                                .build()),
                        ProtoConfigs.tcp(TestConfigs.route("tcp-tls", "tls")
                                .host("tls.example.com")
                                .endpoint(tlsEcho.port())
                                .tls(fx.originCa.certFile())
                                .serverName("localhost")
                                .build()),
                        ProtoConfigs.tcp(TestConfigs.route("tcp-half", "tls")
                                .host("half.example.com")
                                .endpoint(halfEcho.port())
                                .build()),
                        TestConfigs.route("http", "tls")
                                .host("localhost")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        ProtoConfigs.tcp(TestConfigs.route("tcp-mtls", "mtls")
                                .host("mtls.example.com")
                                .endpoint(mtlsEcho.port())
                                .mtls(fx.originCa.certFile(), fx.proxyId)
                                .serverName("localhost")
                                .build()),
                        ProtoConfigs.tcp(TestConfigs.route("tcp-denied", "mtls")
                                .host("denied.example.com")
                                .endpoint(mtlsEcho.port())
                                .mtls(fx.originCa.certFile(), fx.proxyId)
                                .serverName("localhost")
                                .identity(ProtoConfigs.allowUris("spiffe://example.org/other"))
                                .build())));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @ParameterizedTest(name = "{0} listener, sni {1} → {2}")
    @CsvSource({"tls,plain.example.com,tcp-plain", "tls,tls.example.com,tcp-tls", "mtls,mtls.example.com,tcp-mtls"})
    void relaysBothWays(String listener, String sni, String route) throws Exception {
        try (SSLSocket s = connect(listener, sni)) {
            s.getOutputStream().write("hello over tcp\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals("echo:hello over tcp\n", readAll(s)); // then the origin closes, and so does the proxy
        }
        AccessLogEntry e = log.await(x -> x.route().equals(route));
        assertEquals("TCP", e.method());
        assertEquals(sni, e.path());
        assertEquals(200, e.status());
        assertEquals(15, e.bytesIn());
        assertEquals(20, e.bytesOut());
        assertEquals("127.0.0.1", e.remoteAddress());
        if (listener.equals("mtls")) {
            assertTrue(e.clientSubject().contains("CN=client-a"), e.clientSubject());
        }
    }

    @Test
    void halfCloseKeepsTheWayBackOpen() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port("plain")), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("half".getBytes(StandardCharsets.US_ASCII));
            // the origin answers only once it saw the end of what we send: the way back must stay open
            s.shutdownOutput();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            s.getInputStream().transferTo(b);
            assertEquals("echo:half", b.toString(StandardCharsets.US_ASCII));
        }
        AccessLogEntry e = log.await(x -> x.route().equals("tcp-any"));
        assertEquals("-", e.path(), "no SNI on a plain listener");
        assertEquals(4, e.bytesIn());
        assertEquals(9, e.bytesOut());
    }

    /**
     * A client's close_notify: the origin always gets the bytes and then its EOF. Whether the origin's late answer
     * still reaches the client depends on the TLS engine (docs/protocols.md, "Half-close"): Netty's BoringSSL engine
     * answers any close_notify with its own and sends nothing more, and so does every engine on TLS 1.2; the JDK's
     * engine keeps TLS 1.3's half-close. Either way the client sees a clean end (the proxy's close_notify, not a
     * reset), and the entry is a plain 200 without an error.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"TLSv1.3", "TLSv1.2"})
    void closeNotifyOverTls(String version) throws Exception {
        String got;
        try (SSLSocket s = connect("tls", "half.example.com", version)) {
            s.getOutputStream().write("half".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.shutdownOutput(); // the JDK's SSLSocket sends close_notify and keeps its input open
            got = readAll(s); // an IOException here would be a reset or a truncation, not a clean end
        }
        assertEquals("half<EOF>", halfEcho.awaitRequest(), "the origin gets the bytes, then its EOF");
        boolean halfClose = version.equals("TLSv1.3") && TlsProvider.provider() == SslProvider.JDK;
        assertEquals(halfClose ? "echo:half" : "", got);
        AccessLogEntry e = log.await(x -> x.route().equals("tcp-half"));
        assertEquals(200, e.status());
        assertEquals(4, e.bytesIn());
        assertEquals(halfClose ? 9 : 0, e.bytesOut(), "bytes out counts what was relayed, not what was refused");
        assertNull(e.reason(), "ending both directions is not a relay error");
    }

    /**
     * The same with a Netty client (BoringSSL when the proxy uses it): {@code SslHandler.closeOutbound()}, then
     * reading on. It sees the answer only where the proxy's engine keeps TLS 1.3's half-close, and in every case the
     * proxy's own close_notify rather than a bare close.
     */
    @Test
    void nettyClientClosesOutboundThenReads() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SslContext tls = SslContextBuilder.forClient()
                    .sslProvider(TlsProvider.provider())
                    .trustManager(fx.serverCa.certFile().toFile())
                    .endpointIdentificationAlgorithm(null)
                    .protocols("TLSv1.3")
                    .build();
            CompletableFuture<String> outcome = new CompletableFuture<>();
            StringBuilder got = new StringBuilder();
            int port = proxy.port("tls");
            Channel ch = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast("tls", tls.newHandler(c.alloc(), "half.example.com", port));
                            c.pipeline().addLast("read", new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf b = (ByteBuf) msg;
                                    got.append(b.toString(StandardCharsets.US_ASCII));
                                    b.release();
                                }

                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof SslCloseCompletionEvent e) {
                                        outcome.complete(got + (e.isSuccess() ? "|close_notify" : "|" + e.cause()));
                                    }
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    outcome.complete(got + "|closed without close_notify");
                                }
                            });
                        }
                    })
                    .connect(new InetSocketAddress("127.0.0.1", port))
                    .sync()
                    .channel();
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            ssl.handshakeFuture().sync();
            ch.writeAndFlush(Unpooled.copiedBuffer("netty", StandardCharsets.US_ASCII))
                    .sync();
            ssl.closeOutbound().sync();
            boolean halfClose = TlsProvider.provider() == SslProvider.JDK;
            assertEquals((halfClose ? "echo:netty" : "") + "|close_notify", outcome.get(10, TimeUnit.SECONDS));
            assertEquals("netty<EOF>", halfEcho.awaitRequest());
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        AccessLogEntry e = log.await(x -> x.route().equals("tcp-half"));
        assertEquals(200, e.status());
        assertEquals(5, e.bytesIn());
        assertNull(e.reason());
    }

    /** A TCP FIN without close_notify on a TLS listener is a half-close like a plain one: the answer still comes. */
    @Test
    void finWithoutCloseNotifyKeepsTheWayBackOpen() throws Exception {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress("127.0.0.1", proxy.port("tls")), 5000);
            raw.setSoTimeout(10_000);
            SSLSocket s = (SSLSocket)
                    fx.clientContext(null).getSocketFactory().createSocket(raw, "localhost", raw.getPort(), false);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName("half.example.com")));
            s.setSSLParameters(p);
            s.startHandshake();
            s.getOutputStream().write("fin".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            raw.shutdownOutput(); // a FIN under the TLS layer, no close_notify
            assertEquals("echo:fin", readAll(s), "the answer, then the proxy's close_notify");
        }
        assertEquals("fin<EOF>", halfEcho.awaitRequest());
        AccessLogEntry e = log.await(x -> x.route().equals("tcp-half"));
        assertEquals(200, e.status());
        assertEquals(3, e.bytesIn());
        assertEquals(8, e.bytesOut());
        assertNull(e.reason());
    }

    @Test
    void deniedIdentityIsClosedAndCounted() throws Exception {
        double before = denials("tcp-denied");
        try (SSLSocket s = connect("mtls", "denied.example.com")) {
            s.getOutputStream().write("let me in".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals(-1, s.getInputStream().read(), "a denied client is closed without a byte");
        } catch (IOException closed) {
            // a reset is as good a refusal as a close
        }
        AccessLogEntry e = log.await(x -> x.route().equals("tcp-denied"));
        assertEquals(403, e.status());
        assertEquals(before + 1, denials("tcp-denied"));
    }

    @Test
    void httpRoutesOfTheListenerStillSpeakHttp() throws Exception {
        try (RawHttpClient c = RawHttpClient.connectTls(proxy.port("tls"), fx.clientContext(null), "localhost")) {
            assertEquals(200, c.get("localhost", "/x").status());
        }
    }

    private static double denials(String route) {
        var c = proxy.metrics()
                .registry()
                .find("mtls_proxy_identity_denials")
                .tag("route", route)
                .tag("mode", "enforce")
                .counter();
        return c == null ? 0 : c.count();
    }

    private static SSLSocket connect(String listener, String sni) throws IOException {
        return connect(listener, sni, null);
    }

    private static SSLSocket connect(String listener, String sni, String version) throws IOException {
        SSLContext ctx = fx.clientContext(listener.equals("mtls") ? fx.client : null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        if (version != null) {
            s.setEnabledProtocols(new String[] {version});
        }
        s.connect(new InetSocketAddress("127.0.0.1", proxy.port(listener)), 5000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static String readAll(SSLSocket s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        s.getInputStream().transferTo(b);
        return b.toString(StandardCharsets.US_ASCII);
    }
}
