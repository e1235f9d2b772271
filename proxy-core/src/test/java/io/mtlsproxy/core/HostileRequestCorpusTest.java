package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.HostileRequests;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus of malformed and smuggling requests in {@code hardening/hostile-requests.txt}: each is refused with the
 * status the table names (or a closed connection where HTTP is impossible), and the origin, which records every
 * request head it receives, sees nothing of it, or exactly the one legitimate request with only the proxy's
 * forwarded headers. Afterwards the proxy still serves, and no buffer leaked.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HostileRequestCorpusTest {
    /** How long the origin is watched for a request that should never come (a smuggled one is written at once). */
    private static final long QUIET_MILLIS = 60;

    @TempDir
    static Path dir;

    static RecordingOrigin origin;
    static ProxyServer proxy;
    static TestPki.Ca ca;
    static CapturingAccessLog log = new CapturingAccessLog();

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        ca = pki.ca("corpus");
        TestPki.Leaf server = ca.server("proxy");
        origin = RecordingOrigin.start();
        Limits limits =
                new Limits(1000, 8 * 1024, 1024, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30));
        proxy = ProxyServer.builder()
                .metrics(ProxyMetrics.inMemory())
                .accessLog(log)
                .build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(
                        TestConfigs.listener("plain", ListenerTls.plain(), limits),
                        TestConfigs.listener("tls", TestConfigs.tls(server), limits)),
                List.of(
                        TestConfigs.route("all", "plain")
                                .endpoint(origin.port())
                                .build(),
                        TestConfigs.route("all-tls", "tls")
                                .endpoint(origin.port())
                                .build())));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @BeforeEach
    void clear() {
        origin.clear();
    }

    static Stream<HostileRequests.Case> corpus() {
        return HostileRequests.load("/hardening/hostile-requests.txt").stream();
    }

    @Test
    void theCorpusHoldsAtLeastFiftyHostileCases() {
        long hostile = corpus().filter(c -> !c.expect().startsWith("pass")).count();
        assertTrue(hostile >= 50, "hostile cases: " + hostile);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void hostileRequest(HostileRequests.Case c) throws Exception {
        try (Socket s = connect(proxy.port("plain"))) {
            s.getOutputStream().write(c.bytes());
            s.getOutputStream().flush();
            String expect = c.expect();
            if (expect.startsWith("pass")) {
                assertPassed(c, new RawResponse(readResponse(s.getInputStream())));
            } else if (expect.startsWith("body-")) {
                RawResponse r = new RawResponse(readResponse(s.getInputStream()));
                assertEquals(Integer.parseInt(expect.substring(5)), r.status(), c.name() + ": " + r.text);
                assertTrue(r.closes(), c.name() + ": " + r.text);
                quiet();
                List<RecordingOrigin.Recorded> seen = origin.requests();
                assertTrue(
                        seen.size() <= 1 && seen.stream().noneMatch(RecordingOrigin.Recorded::complete),
                        c.name() + ": origin saw " + seen);
            } else if (expect.equals("close")) {
                String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertFalse(text.startsWith("HTTP/"), c.name() + ": " + text);
                quiet();
                assertEquals(List.of(), origin.requests(), c.name() + ": the origin must see nothing");
            } else {
                RawResponse r = new RawResponse(readResponse(s.getInputStream()));
                assertEquals(Integer.parseInt(expect), r.status(), c.name() + ": " + r.text);
                assertTrue(r.closes(), c.name() + ": " + r.text);
                assertTrue(r.body().length() > 1, c.name() + ": the answer says why");
                // the proxy lingers, reading what else the client sends, until the client is done: nothing more
                // comes back, in particular no answer to a smuggled second request
                s.shutdownOutput();
                String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertEquals("", rest, c.name() + ": only one answer");
                quiet();
                assertEquals(List.of(), origin.requests(), c.name() + ": the origin must see nothing");
            }
        }
        try (RawHttpClient after = RawHttpClient.connect(proxy.port("plain"))) {
            assertEquals(200, after.get("a.test", "/after").status(), "the proxy still serves after " + c.name());
        }
    }

    @Test
    void plainHttpOnATlsPortGetsA400AndNothingReachesTheOrigin() throws Exception {
        try (Socket s = connect(proxy.port("tls"))) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String text = new String(readUntilClosed(s.getInputStream()), StandardCharsets.ISO_8859_1);
            assertTrue(text.startsWith("HTTP/1.1 400 Bad Request\r\n"), text);
            assertTrue(text.endsWith("The plain HTTP request was sent to HTTPS port\n"), text);
        }
        quiet();
        assertEquals(List.of(), origin.requests());
    }

    @Test
    void garbageOnATlsPortGetsNoHttpAnswer() throws Exception {
        byte[] junk = new byte[600];
        for (int i = 0; i < junk.length; i++) {
            junk[i] = (byte) (i * 7 + 3);
        }
        assertNoHttpOnTls(junk);
    }

    @Test
    void sslv2HelloOnATlsPortGetsNoHttpAnswer() throws Exception {
        // an SSLv2-format ClientHello offering SSL 2.0 only (SSL2_CK_RC4_128_WITH_MD5)
        assertNoHttpOnTls(new byte[] {
            (byte) 0x80,
            0x1b,
            0x01,
            0x00,
            0x02,
            0x00,
            0x03,
            0x00,
            0x00,
            0x00,
            0x10,
            0x01,
            0x00,
            (byte) 0x80,
            1,
            2,
            3,
            4,
            5,
            6,
            7,
            8,
            9,
            10,
            11,
            12,
            13,
            14,
            15,
            16
        });
    }

    private void assertNoHttpOnTls(byte[] bytes) throws Exception {
        try (Socket s = connect(proxy.port("tls"))) {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            byte[] answer = readUntilClosed(s.getInputStream());
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("HTTP/"), text);
        }
        quiet();
        assertEquals(List.of(), origin.requests());
    }

    private static void assertPassed(HostileRequests.Case c, RawResponse r) throws InterruptedException {
        assertEquals(200, r.status(), c.name() + ": " + r.text);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (origin.requests().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        quiet();
        List<RecordingOrigin.Recorded> seen = origin.requests();
        assertEquals(1, seen.size(), c.name() + ": exactly one request reaches the origin: " + seen);
        RecordingOrigin.Recorded req = seen.get(0);
        assertTrue(req.complete(), c.name());
        assertEquals(List.of("127.0.0.1"), req.all("X-Forwarded-For"), c.name() + ": " + req);
        assertEquals(List.of("http"), req.all("X-Forwarded-Proto"), c.name() + ": " + req);
        assertEquals(List.of("a.test"), req.all("X-Forwarded-Host"), c.name() + ": " + req);
        assertNull(req.header("X-Forwarded-Client-Cert"), c.name() + ": no certificate, no XFCC");
        for (String name : req.names()) {
            assertFalse(name.contains("_"), c.name() + ": underscore header " + name + " reached the origin");
            assertFalse(
                    List.of("connection", "keep-alive", "te", "trailer", "upgrade")
                                    .contains(name)
                            || name.startsWith("proxy-"),
                    c.name() + ": hop-by-hop " + name + " reached the origin");
        }
        if (c.expect().startsWith("pass-without:")) {
            String name = c.expect().substring("pass-without:".length()).toLowerCase(Locale.ROOT);
            assertFalse(req.names().contains(name), c.name() + ": " + name + " reached the origin");
        }
    }

    /** Gives a smuggled request the time to reach the origin, if the proxy had let one through. */
    private static void quiet() throws InterruptedException {
        Thread.sleep(QUIET_MILLIS);
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** One response with a Content-Length body (the proxy's answers and the origin's "ok" both have one). */
    private static byte[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int length = -1;
        while (true) {
            int ch = in.read();
            if (ch < 0) {
                return b.toByteArray();
            }
            b.write(ch);
            String text = b.toString(StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            if (headEnd >= 0) {
                if (length < 0) {
                    length = contentLength(text.substring(0, headEnd));
                }
                if (b.size() >= headEnd + 4 + length) {
                    return b.toByteArray();
                }
            }
        }
    }

    private static byte[] readUntilClosed(InputStream in) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                b.write(buf, 0, n);
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the proxy did not close the connection", e);
        } catch (IOException e) {
            // a reset is a close too
        }
        return b.toByteArray();
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

    /** A response as raw text. */
    private record RawResponse(String text) {
        RawResponse(byte[] bytes) {
            this(new String(bytes, StandardCharsets.ISO_8859_1));
        }

        int status() {
            if (!text.startsWith("HTTP/1.1 ")) {
                throw new UncheckedIOException(new IOException("not an HTTP response: " + text));
            }
            return Integer.parseInt(text.substring(9, 12));
        }

        boolean closes() {
            return text.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n");
        }

        String body() {
            int at = text.indexOf("\r\n\r\n");
            return at < 0 ? "" : text.substring(at + 4);
        }
    }

    /**
     * A refused head is explained in the product's words (never Netty's grammar), and the access log records the
     * method and path the client really sent, or {@code -} when its first line is not one (never an invented path).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            content-length-and-chunked | POST /cl-te HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n | POST | /cl-te | Content-Length together with Transfer-Encoding
            two-content-lengths        | POST /two HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\nabcd | POST | /two | several different Content-Length values
            proxy-header-v1            | PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\\r\\nGET /x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n | - | - | a PROXY protocol header, but this listener does not read one
            unsupported-version        | GET /v HTTP/1.2\\r\\nHost: a\\r\\n\\r\\n | GET | /v | unsupported HTTP version
            invalid-header-name        | GET /h?secret=1 HTTP/1.1\\r\\nHost: a\\r\\nBad Name: x\\r\\n\\r\\n | GET | /h | invalid character in a header name
            not-http                   | \\u0001\\u0002\\u0003 garbage\\r\\n\\r\\n | - | - | invalid request line
            """)
    void refusedInTheProductsWords(String name, String request, String method, String path, String reason)
            throws Exception {
        String answer = sendForAnswer(request.replace("\\r", "\r")
                .replace("\\n", "\n")
                .replace("\\u0001", "\u0001")
                .replace("\\u0002", "\u0002")
                .replace("\\u0003", "\u0003"));
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertTrue(body.contains(reason), "answer: " + body);
        assertFalse(body.contains("are not allowed") || body.contains("contains"), "Netty's grammar: " + body);
        AccessLogEntry e = log.await(x -> x.reason() != null && x.reason().contains(reason));
        assertEquals(method, e.method(), name);
        assertEquals(path, e.path(), name);
        assertEquals(400, e.status());
    }

    private static String sendForAnswer(String request) throws IOException {
        try (Socket s = connect(proxy.port("plain"))) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            // read the answer to its Content-Length: the proxy keeps reading what a refused client still sends
            // for a while before it closes, and the test need not wait for that
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            var in = s.getInputStream();
            int b;
            while ((b = in.read()) >= 0) {
                answer.write(b);
                String text = answer.toString(StandardCharsets.UTF_8);
                int headEnd = text.indexOf("\r\n\r\n");
                var length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)")
                        .matcher(text);
                if (headEnd >= 0 && length.find() && text.length() >= headEnd + 4 + Integer.parseInt(length.group(1))) {
                    break;
                }
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
