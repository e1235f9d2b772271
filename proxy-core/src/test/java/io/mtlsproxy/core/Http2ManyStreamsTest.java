package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.H2EchoOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Many HTTP/2 connections, each with many streams in flight, on one event loop, through a TLS listener: h2load
 * (nghttp2's load generator, a real TLS h2 client) counts every stream and ends only when every one is answered.
 * Every answer is written when its origin's bytes arrive, outside the client connection's read, so this is what
 * the batching of the streams' flushes ({@code h2-flush}) and the streams' read-after-write must never lose: a
 * flush held with nobody left to release it, or a stream that is never read again, shows up as a run that does not
 * end.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class Http2ManyStreamsTest {
    private static final Pattern REQUESTS =
            Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed");

    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    /** The first answer that was not a 200, to say why a run failed. */
    static volatile AccessLogEntry firstRefusal;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        H2EchoOrigin h2Origin = fx.closeLater(new H2EchoOrigin("h2-origin", fx.originCert, fx.proxyIdCa.certFile()));
        proxy = fx.start(
                ProxyServer.builder()
                        .metrics(ProxyMetrics.inMemory())
                        .accessLog(e -> {
                            if (e.status() != 200 && firstRefusal == null) {
                                firstRefusal = e;
                            }
                        })
                        .workerThreads(1),
                List.of(TestConfigs.listener("tls", TestConfigs.tls(fx.proxyServer))),
                List.of(
                        TestConfigs.route("to-h1", "tls")
                                .prefix("/h1")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        ProtoConfigs.h2(TestConfigs.route("to-h2", "tls")
                                .prefix("/h2")
                                .endpoint(h2Origin.port())
                                .mtls(fx.originCa.certFile(), fx.proxyId)
                                .serverName("localhost")
                                .build())));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @ParameterizedTest(name = "{1} connections x {2} streams, {3} requests → {0} origin")
    @CsvSource({"h1,16,10,4000", "h1,2,100,2000", "h2,2,80,2000", "h2,8,20,2000"})
    void everyStreamOfEveryConnectionIsAnswered(String origin, int connections, int streams, int requests)
            throws Exception {
        Path out = Files.createTempFile(dir, "h2load", ".out");
        Process p = new ProcessBuilder(
                        h2load(),
                        "--npn-list=h2",
                        "-t",
                        "1",
                        "-c",
                        String.valueOf(connections),
                        "-m",
                        String.valueOf(streams),
                        "-n",
                        String.valueOf(requests),
                        "https://127.0.0.1:" + proxy.port("tls") + "/" + origin + "/echo")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(ended, "h2load still waits for answers after 60 s (a stream was left unanswered):\n" + output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("Application protocol: h2"), output);
        Matcher m = REQUESTS.matcher(output);
        assertTrue(m.find(), output);
        assertEquals(requests, Long.parseLong(m.group(3)), output);
        assertEquals(requests, Long.parseLong(m.group(4)), firstRefusal + "\n" + output);
        assertTrue(output.contains("status codes: " + requests + " 2xx"), output);
    }

    private static String h2load() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, "h2load"))) {
                return Path.of(d, "h2load").toString();
            }
        }
        throw new AssertionError("h2load (nghttp2-client) is not installed");
    }
}
