package io.mtlsproxy.core.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.identity.IdentityPolicy;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.routing.Router;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import io.mtlsproxy.core.upstream.UpstreamPools;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP/1 handler's phases on an {@link EmbeddedChannel}, for the requests it answers itself: keep-alive and
 * the backlog of pipelined requests, an answer that closes, the body of an answered request discarded before the
 * next one, a malformed head, a listener being removed, and drain. (Forwarding needs an origin on a real event
 * loop; the scenario tests drive it.)
 */
class HttpProxyHandlerTest {
    @TempDir
    static Path dir;

    static Listener listener;

    private final CapturingAccessLog log = new CapturingAccessLog();
    private final ProxyMetrics metrics = ProxyMetrics.inMemory();
    private Listener current = listener;
    private boolean draining;
    private EmbeddedChannel ch;

    @BeforeAll
    static void listener() {
        TestPki pki = new TestPki(dir);
        TestPki.Leaf server = pki.ca("servers").server("api.example.com", "api.example.com");
        RouteConfig rc = TestConfigs.route("api", "l")
                .host("api.example.com")
                .prefix("/api")
                .endpoint(1)
                .build();
        Route api = new Route(
                rc,
                IdentityPolicy.of(rc.clientIdentity()),
                new UpstreamCluster("api", rc.upstream(), List.of(), Optional.empty()));
        listener = new Listener(
                TestConfigs.listener(
                        "l", TestConfigs.mtls(server, pki.ca("clients").certFile(), ClientAuth.OPTIONAL, true)),
                Optional.empty(),
                Router.of(List.of(api)));
    }

    private EmbeddedChannel channel(String sni) {
        ForwardingContext fc = new ForwardingContext() {
            private final UpstreamPools pools =
                    new UpstreamPools(new Bootstrap().channel(NioSocketChannel.class), metrics, Duration.ofSeconds(1));

            @Override
            public Listener listener(String name) {
                return current;
            }

            @Override
            public UpstreamPools pools() {
                return pools;
            }

            @Override
            public ProxyMetrics metrics() {
                return metrics;
            }

            @Override
            public AccessLog accessLog() {
                return log;
            }

            @Override
            public boolean draining() {
                return draining;
            }
        };
        EmbeddedChannel c = new EmbeddedChannel();
        c.attr(HandshakeObserver.SNI).set(sni);
        InboundConnection.attach(c, "l", true);
        c.pipeline().addLast(new HttpProxyHandler(fc, "l"));
        return c;
    }

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    private static HttpRequest get(String host, String uri) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        r.headers().set(HttpHeaderNames.HOST, host);
        return r;
    }

    private FullHttpResponse response() {
        FullHttpResponse r = ch.readOutbound();
        assertTrue(r != null, "an answer was written");
        return r;
    }

    private static String text(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8).trim();
        } finally {
            r.release();
        }
    }

    @Test
    void answeredRequestKeepsTheConnectionAndPipelinedOnesAreServedInOrder() {
        ch = channel("api.example.com");
        ch.writeInbound(
                get("api.example.com", "/nope"),
                LastHttpContent.EMPTY_LAST_CONTENT,
                get("other.example.com", "/api"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse first = response();
        assertEquals(404, first.status().code());
        assertFalse(first.headers().contains(HttpHeaderNames.CONNECTION), "keep-alive");
        assertEquals("no route for api.example.com/nope", text(first));
        FullHttpResponse second = response();
        assertEquals(421, second.status().code(), "the pipelined request, answered after the first");
        text(second);
        assertTrue(ch.isOpen());
        assertEquals(1, log.count(e -> e.status() == 404 && e.path().equals("/nope")));
        assertEquals(1, log.count(e -> e.status() == 421));
    }

    @Test
    void answerToARequestWhoseBodyIsStillComingDiscardsItThenTakesTheNext() {
        ch = channel("api.example.com");
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/nope");
        post.headers().set(HttpHeaderNames.HOST, "api.example.com");
        post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 4);
        ch.writeInbound(post);
        FullHttpResponse answer = response();
        assertEquals(404, answer.status().code());
        assertEquals(
                "close",
                answer.headers().get(HttpHeaderNames.CONNECTION),
                "a body still to arrive: the connection is not kept");
        text(answer);
        ch.writeInbound(
                new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {1, 2})),
                new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {3, 4})),
                LastHttpContent.EMPTY_LAST_CONTENT);
        ch.runPendingTasks();
        assertFalse(ch.isOpen(), "closed once the unread body is in (no reset of the answer)");
    }

    @Test
    void malformedHeadIs400AndCloses() {
        ch = channel(null);
        HttpRequest bad = get("api.example.com", "/api");
        bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("invalid header")));
        ch.writeInbound(bad);
        FullHttpResponse r = response();
        assertEquals(400, r.status().code());
        assertEquals("close", r.headers().get(HttpHeaderNames.CONNECTION));
        assertTrue(text(r).startsWith("malformed request"));
    }

    @Test
    void listenerBeingRemovedIs503AndCloses() {
        current = null;
        ch = channel(null);
        ch.writeInbound(get("api.example.com", "/api"), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse r = response();
        assertEquals(503, r.status().code());
        assertEquals("listener l is being removed", text(r));
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
    }

    @Test
    void drainClosesAnIdleConnectionAndMarksAnswersClose() {
        ch = channel("api.example.com");
        draining = true;
        ch.writeInbound(get("api.example.com", "/nope"), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse r = response();
        assertEquals("close", r.headers().get(HttpHeaderNames.CONNECTION), "draining: Connection: close");
        text(r);

        draining = false;
        EmbeddedChannel idle = channel("api.example.com");
        idle.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        assertFalse(idle.isOpen(), "idle connection closed at once by drain");
        assertNull(idle.readOutbound());
    }
}
