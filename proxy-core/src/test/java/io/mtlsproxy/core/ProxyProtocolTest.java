package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.AllowList;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.TestConfigs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy-protocol = true: PROXY v1 and v2 headers (written raw, as a load balancer does) name the client that the
 * origin sees in X-Forwarded-For, the access log records and /tls/failures reports; a connection without one is
 * closed; a header sent to a listener without the option is just bad bytes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {
    /** The v2 signature (RFC-like spec of HAProxy, section 2.2). */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private static final String PARTNER_VPCE = "vpce-0123456789abcdef0";

    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    static CapturingAccessLog log = new CapturingAccessLog();

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        proxy = fx.start(
                ProxyServer.builder().metrics(metrics).accessLog(log),
                List.of(
                        ProtoConfigs.proxyProtocol(TestConfigs.listener("plain-pp", ListenerTls.plain())),
                        ProtoConfigs.proxyProtocol(TestConfigs.listener(
                                "mtls-pp",
                                TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, false))),
                        TestConfigs.listener("plain", ListenerTls.plain())),
                List.of(
                        TestConfigs.route("r-plain-pp", "plain-pp")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        TestConfigs.route("r-mtls-pp", "mtls-pp")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        TestConfigs.route("r-plain", "plain")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        TestConfigs.route("r-privatelink", "plain-pp")
                                .prefix("/privatelink")
                                .endpoint(fx.plainOrigin.port())
                                .identity(new ClientIdentity(
                                        false,
                                        IdentityMode.ENFORCE,
                                        new AllowList(
                                                List.of(), List.of(), List.of(), List.of(), List.of(PARTNER_VPCE))))
                                .build()));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void v1AddressReachesTheOriginAndTheAccessLog() throws Exception {
        try (Socket s = connect("plain-pp")) {
            send(s, "PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n".getBytes(StandardCharsets.US_ASCII));
            send(s, get("/v1"));
            Echo echo = Echo.parse(body(s.getInputStream()));
            assertEquals("203.0.113.7", echo.header("X-Forwarded-For"));
        }
        AccessLogEntry e = log.await(x -> x.path().equals("/v1"));
        assertEquals("203.0.113.7", e.remoteAddress());
    }

    @Test
    void v2AddressBeforeTlsReachesTheOriginAndTheAccessLog() throws Exception {
        try (Socket raw = connect("mtls-pp")) {
            send(raw, v2Ipv6("2001:db8::7", 40000));
            try (SSLSocket s = (SSLSocket) fx.clientContext(fx.client)
                    .getSocketFactory()
                    .createSocket(raw, "localhost", raw.getPort(), false)) {
                s.startHandshake();
                send(s, get("/v2"));
                Echo echo = Echo.parse(body(s.getInputStream()));
                assertEquals("2001:db8:0:0:0:0:0:7", echo.header("X-Forwarded-For"));
            }
        }
        AccessLogEntry e = log.await(x -> x.path().equals("/v2"));
        assertEquals("2001:db8:0:0:0:0:0:7", e.remoteAddress());
    }

    @Test
    void theAwsVpcEndpointIdIsLoggedAndAdmitsByTheAllowList() throws Exception {
        assertEquals(200, privateLink(PARTNER_VPCE, "/privatelink/partner"));
        AccessLogEntry e = log.await(x -> x.path().equals("/privatelink/partner"));
        assertEquals(PARTNER_VPCE, e.awsVpceId());
        assertEquals("198.51.100.20", e.remoteAddress());

        assertEquals(
                403,
                privateLink("vpce-0fedcba9876543210", "/privatelink/stranger"),
                "another endpoint is not on the list");
        assertEquals(
                "vpce-0fedcba9876543210",
                log.await(x -> x.path().equals("/privatelink/stranger")).awsVpceId());
        assertEquals(403, privateLink(null, "/privatelink/direct"), "no TLV: not through PrivateLink");
        assertEquals(
                null, log.await(x -> x.path().equals("/privatelink/direct")).awsVpceId());
    }

    /** A request after a v2 header over IPv4 with AWS's TLV (0xEA, subtype 1: the VPC endpoint ID); the status. */
    private static int privateLink(String vpce, String path) throws IOException {
        try (Socket s = connect("plain-pp")) {
            send(s, v2Ipv4WithAwsTlv("198.51.100.20", 41000, vpce));
            send(s, get(path));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return Integer.parseInt(answer.substring(9, 12));
        }
    }

    private static byte[] v2Ipv4WithAwsTlv(String source, int port, String vpce) throws IOException {
        byte[] id = vpce == null ? new byte[0] : vpce.getBytes(StandardCharsets.US_ASCII);
        int tlv = vpce == null ? 0 : 3 + 1 + id.length;
        ByteBuffer b = ByteBuffer.allocate(16 + 12 + tlv);
        b.put(V2_SIGNATURE);
        b.put((byte) 0x21); // version 2, PROXY
        b.put((byte) 0x11); // AF_INET, STREAM
        b.putShort((short) (12 + tlv));
        b.put(java.net.InetAddress.getByName(source).getAddress());
        b.put(java.net.InetAddress.getByName("10.0.0.1").getAddress());
        b.putShort((short) port);
        b.putShort((short) 443);
        if (vpce != null) {
            b.put((byte) 0xEA);
            b.putShort((short) (1 + id.length));
            b.put((byte) 0x01);
            b.put(id);
        }
        return b.array();
    }

    @Test
    void tlsFailureReportsTheProxiedAddress() throws Exception {
        try (Socket raw = connect("mtls-pp")) {
            send(raw, "PROXY TCP4 198.51.100.9 192.0.2.1 40001 443\r\n".getBytes(StandardCharsets.US_ASCII));
            try (SSLSocket s = (SSLSocket)
                    fx.clientContext(null).getSocketFactory().createSocket(raw, "localhost", raw.getPort(), false)) {
                s.startHandshake();
                send(s, get("/no-cert"));
                s.getInputStream().read(); // TLS 1.3: the refusal arrives on the first read
            } catch (IOException refused) {
                // expected: no client certificate
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (TlsFailure f : metrics.failures().snapshot()) {
                if (f.name().equals("mtls-pp") && f.reason() != TlsFailureReason.PROXY_PROTOCOL) {
                    assertEquals("198.51.100.9:40001", f.remoteAddress());
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no TLS failure recorded for mtls-pp");
    }

    @Test
    void withoutAHeaderTheConnectionIsClosedCountedAndListed() throws Exception {
        for (String listener : List.of("plain-pp", "mtls-pp")) {
            double before = proxyProtocolRefusals(listener);
            try (Socket s = connect(listener)) {
                send(s, get("/spoof"));
                assertEquals(-1, s.getInputStream().read(), "no answer, just a close");
            }
            TlsFailure listed = awaitFailure(listener, TlsFailureReason.PROXY_PROTOCOL);
            assertTrue(listed.detail().contains("PROXY protocol header"), listed.detail());
            assertTrue(listed.remoteAddress().startsWith("127.0.0.1:"), listed.remoteAddress());
            assertEquals(before + 1, proxyProtocolRefusals(listener), 0.0, "counted by reason");
        }
    }

    private static double proxyProtocolRefusals(String listener) {
        return metrics
                .registry()
                .find("mtls_proxy_tls_handshakes")
                .tag("side", "inbound")
                .tag("name", listener)
                .tag("result", "failure")
                .tag("reason", "proxy_protocol")
                .counters()
                .stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    private static TlsFailure awaitFailure(String listener, TlsFailureReason reason) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (TlsFailure f : metrics.failures().snapshot()) {
                if (f.name().equals(listener) && f.reason() == reason) {
                    return f;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + reason + " failure listed for " + listener);
    }

    @Test
    void aHeaderOnAListenerWithoutTheOptionIsNotTrusted() throws Exception {
        try (Socket s = connect("plain")) {
            send(s, "PROXY TCP4 203.0.113.66 192.0.2.1 51234 443\r\n".getBytes(StandardCharsets.US_ASCII));
            send(s, get("/untrusted"));
            String answer = body(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        }
    }

    private static Socket connect(String listener) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxy.port(listener)), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static void send(Socket s, byte[] bytes) throws IOException {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
    }

    /** The whole close-delimited answer, for a parse of the echo's body (after the blank line). */
    private static String body(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        String all = b.toString(StandardCharsets.UTF_8);
        int end = all.indexOf("\r\n\r\n");
        return all.startsWith("HTTP/1.1 200") && end >= 0 ? all.substring(end + 4) : all;
    }

    /** A v2 PROXY header, PROXY command, TCP over IPv6. */
    private static byte[] v2Ipv6(String source, int port) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + 36);
        b.put(V2_SIGNATURE);
        b.put((byte) 0x21); // version 2, PROXY
        b.put((byte) 0x21); // AF_INET6, STREAM
        b.putShort((short) 36);
        b.put(java.net.InetAddress.getByName(source).getAddress());
        b.put(java.net.InetAddress.getByName("2001:db8::1").getAddress());
        b.putShort((short) port);
        b.putShort((short) 443);
        return b.array();
    }
}
