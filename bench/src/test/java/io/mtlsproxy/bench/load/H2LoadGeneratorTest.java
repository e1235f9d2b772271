package io.mtlsproxy.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.load.H2TestServer.Answer;
import io.mtlsproxy.bench.pki.BenchPki;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The load generator's HTTP/2 mode against a real HTTP/2 server over mutual TLS. */
@Timeout(60)
class H2LoadGeneratorTest {
    @TempDir
    static Path dir;

    private static BenchPki pki;
    private static SslContext mtlsH2;
    private static LoadGenerator loader;

    @BeforeAll
    static void start() throws Exception {
        pki = BenchPki.create(dir.resolve("pki"));
        mtlsH2 = ClientTls.create(
                "TLSv1.3", pki.edgeCa(), Optional.of(new ClientTls.Identity(pki.loaderCert(), pki.loaderKey())), true);
        loader = new LoadGenerator(1);
    }

    @AfterAll
    static void stop() {
        loader.close();
        ReferenceCountUtil.release(mtlsH2);
    }

    private static LoadSpec.Builder spec(H2TestServer server, int connections, int streams, long millis) {
        return LoadSpec.builder(server.port())
                .serverName(BenchPki.PROXY_NAME)
                .tls(mtlsH2)
                .request("/small", H2TestServer.BODY.length())
                .connections(connections)
                .http2(streams)
                .duration(Duration.ofMillis(millis));
    }

    @Test
    void keepsEveryStreamOfEveryConnectionBusyOverMutualTls() throws Exception {
        try (H2TestServer server = new H2TestServer(pki, "h2", 2, n -> Answer.OK)) {
            LoadResult r = loader.run(
                    spec(server, 2, 4, 500).warmup(Duration.ofMillis(100)).build());
            assertEquals(ErrorCounts.NONE, r.errors(), r.lastError());
            assertTrue(r.requests() > 0, "answers counted");
            assertEquals(13 * r.requests(), r.bodyBytes());
            assertTrue(r.p50Micros() >= 2000, "the server's 2 ms are in every latency: " + r.p50Micros());
            assertEquals("h2", r.applicationProtocol());
            assertEquals("TLSv1.3", r.tlsProtocol());
            assertEquals(0, r.reconnects());
            assertEquals(2, server.connections.get(), "one HTTP/2 connection per connection slot");
            assertEquals(4, server.maxOpenStreams.get(), "4 streams in flight per connection, never more");
            assertEquals(1, server.clientSubjects.size(), "the client certificate was presented and verified");
        }
    }

    @Test
    void answersOutside2xxAndResetStreamsAreErrorsAndTheConnectionCarriesOn() throws Exception {
        try (H2TestServer server = new H2TestServer(
                // Resets stay rare (one stream in 50): Netty's HTTP/2 codecs end a connection that sees more than
                // 200 resets in 30 s, and a quiet machine runs thousands of streams in this window.
                pki, "h2", 0, n -> n % 10 == 0 ? Answer.UNAVAILABLE : n % 50 == 1 ? Answer.RESET : Answer.OK)) {
            // the handshake in the warm-up, and a window of 1.5 s: on a loaded machine a handshake alone may take
            // longer than the whole run used to
            LoadResult r = loader.run(
                    spec(server, 1, 4, 1_500).warmup(Duration.ofMillis(500)).build());
            assertTrue(r.errors().status() > 0, r.errors().describe());
            assertTrue(r.errors().reset() > 0, r.errors().describe());
            assertEquals(
                    r.errors().status() + r.errors().reset(),
                    r.errors().total(),
                    r.errors().describe());
            assertTrue(r.requests() > 20, "streams after the errors: " + r.requests());
            assertEquals(
                    0,
                    r.reconnects(),
                    "RST_STREAM ends a stream, not the connection: "
                            + r.errors().describe() + " " + r.lastError() + " requests " + r.requests());
            assertEquals(1, server.connections.get());
        }
    }

    @Test
    void goAwayIsAnErrorAndTheConnectionIsReplacedOnceItsStreamsHaveEnded() throws Exception {
        try (H2TestServer server = new H2TestServer(pki, "h2", 1, n -> n == 20 ? Answer.GOAWAY_THEN_OK : Answer.OK)) {
            // long enough for a second handshake on a loaded machine and 30 requests after it
            LoadResult r = loader.run(spec(server, 1, 4, 1_500).build());
            assertEquals(1, r.errors().goaway(), r.errors().describe());
            // Streams the client opened before it read the GOAWAY, past the server's last stream, were cut off.
            assertTrue(r.errors().reset() <= 4, r.errors().describe());
            assertEquals(
                    r.errors().goaway() + r.errors().reset(),
                    r.errors().total(),
                    r.errors().describe());
            assertEquals(1, r.reconnects());
            assertEquals(2, server.connections.get());
            assertTrue(server.requests() > 30, "the new connection carried on: " + server.requests());
        }
    }

    @Test
    void aStreamWithoutEndStreamTimesOutAndIsReplaced() throws Exception {
        try (H2TestServer server = new H2TestServer(pki, "h2", 0, n -> n == 5 ? Answer.STALL : Answer.OK)) {
            // a timeout far above what an answered stream takes on a loaded machine, so that only the stalled one
            // times out; the run lasts past it
            LoadResult r = loader.run(spec(server, 1, 2, 2_500)
                    .requestTimeout(Duration.ofMillis(1_000))
                    .build());
            assertEquals(1, r.errors().timeout(), r.errors().describe() + " " + r.lastError());
            assertEquals(1, r.errors().total(), r.errors().describe());
            assertTrue(r.lastError().startsWith("no END_STREAM within 1000 ms"), r.lastError());
            assertEquals(0, r.reconnects(), "the stream is cancelled, the connection stays");
            assertTrue(r.requests() > 10, "the stream slot was reused: " + r.requests());
        }
    }

    @Test
    void aPeerThatDoesNotChooseH2FailsInsteadOfFallingBack() throws Exception {
        try (H2TestServer server = new H2TestServer(pki, "http/1.1", 0, n -> Answer.OK)) {
            long start = System.nanoTime();
            // a 30 s run that must stop long before: the margin is for handshakes on a loaded machine
            LoadResult r = loader.run(spec(server, 2, 4, 30_000).build());
            assertTrue(System.nanoTime() - start < 20_000_000_000L, "stops at once, does not wait for the duration");
            assertEquals(0, r.requests());
            assertEquals("", r.applicationProtocol());
            assertEquals(2, r.errors().tls(), r.errors().describe());
            assertEquals(2, r.errors().total(), r.errors().describe());
            assertTrue(
                    r.lastError().startsWith("no HTTP/2: the peer chose no protocol by ALPN (expected: h2)"),
                    r.lastError());
            assertEquals(0, server.requests());
        }
    }

    @Test
    void http2NeedsTlsAndTheClosedLoop() {
        IllegalArgumentException plain = assertThrows(
                IllegalArgumentException.class,
                () -> LoadSpec.builder(443).http2(4).build());
        assertTrue(
                plain.getMessage().startsWith("http2Streams: 4 needs TLS (h2 is chosen by ALPN)"), plain.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> LoadSpec.builder(443).tls(mtlsH2).http2(4).rate(10).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> LoadSpec.builder(443).http2(-1).build());
    }
}
