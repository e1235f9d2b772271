package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;

/**
 * A refused request head is explained in the product's words (never Netty's grammar), and the access log records
 * the method and path the client really sent, or {@code -} when its first line is not one (never an invented path).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RefusalReasonsTest {
    @TempDir
    static Path dir;
    static RecordingOrigin origin;
    static ProxyServer proxy;
    static CapturingAccessLog log = new CapturingAccessLog();

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        origin = RecordingOrigin.start();
        proxy = ProxyServer.builder().accessLog(log).build();
        proxy.start(TestConfigs.config(dir.resolve("proxy.conf"), List.of(
                TestConfigs.listener("plain", ListenerTls.plain())), List.of(
                TestConfigs.route("plain", "plain").endpoint(origin.port()).build())));
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
        String answer = send(request.replace("\\r", "\r").replace("\\n", "\n")
                .replace("\\u0001", "\u0001").replace("\\u0002", "\u0002").replace("\\u0003", "\u0003"));
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertTrue(body.contains(reason), "answer: " + body);
        assertFalse(body.contains("are not allowed") || body.contains("contains"), "Netty's grammar: " + body);
        AccessLogEntry e = log.await(x -> x.reason() != null && x.reason().contains(reason));
        assertEquals(method, e.method(), name);
        assertEquals(path, e.path(), name);
        assertEquals(400, e.status());
    }

    private static String send(String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port("plain")), 5000);
            s.setSoTimeout(10_000);
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
                var length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
                if (headEnd >= 0 && length.find() && text.length() >= headEnd + 4 + Integer.parseInt(length.group(1))) {
                    break;
                }
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
