package io.mtlsproxy.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.process.Ports;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LoadGeneratorTest {
    private static LoadGenerator loader;

    @BeforeAll
    static void start() {
        loader = new LoadGenerator(1);
    }

    @AfterAll
    static void stop() {
        loader.close();
    }

    @Test
    void closedLoopCountsAnswersAndTheirBodies() throws Exception {
        try (TestHttpServer server = new TestHttpServer(200, "hello, world\n", t -> 0L)) {
            LoadResult r = loader.run(LoadSpec.builder(server.port())
                    .request("/small", 13)
                    .connections(4)
                    .warmup(Duration.ofMillis(100))
                    .duration(Duration.ofMillis(400))
                    .build());
            assertEquals(ErrorCounts.NONE, r.errors(), r.lastError());
            assertTrue(r.requests() > 0, "answers counted");
            assertEquals(13 * r.requests(), r.bodyBytes());
            assertTrue(r.p50Micros() > 0 && r.p50Micros() <= r.p99Micros() && r.p99Micros() <= r.p999Micros());
            assertEquals(0, r.reconnects());
        }
    }

    @Test
    void answersOutside2xxAndBodiesOfTheWrongLengthAreErrors() throws Exception {
        try (TestHttpServer unavailable = new TestHttpServer(503, "busy", t -> 0L);
                TestHttpServer shortBody = new TestHttpServer(200, "short", t -> 0L)) {
            LoadResult status = loader.run(LoadSpec.builder(unavailable.port())
                    .request("/", 4)
                    .duration(Duration.ofMillis(200))
                    .build());
            assertTrue(status.errors().status() > 0, status.errors().describe());
            assertEquals(status.errors().status(), status.errors().total());
            assertEquals("HTTP 503", status.lastError());

            LoadResult body = loader.run(LoadSpec.builder(shortBody.port())
                    .request("/", 13)
                    .duration(Duration.ofMillis(200))
                    .build());
            assertTrue(body.errors().body() > 0, body.errors().describe());
            assertEquals(body.errors().body(), body.errors().total());
        }
    }

    @Test
    void newConnectionPerRequestOpensOneConnectionPerAnswer() throws Exception {
        try (TestHttpServer server = new TestHttpServer(200, "hello, world\n", t -> 0L)) {
            LoadResult r = loader.run(LoadSpec.builder(server.port())
                    .request("/small", 13)
                    .connections(2)
                    .newConnectionPerRequest(true)
                    .duration(Duration.ofMillis(300))
                    .build());
            assertEquals(ErrorCounts.NONE, r.errors(), r.lastError());
            assertTrue(r.requests() > 0);
            assertEquals(0, r.reconnects(), "closing after each answer is on purpose, not a reconnect");
        }
    }

    @Test
    void refusedConnectionsAreConnectErrors() throws Exception {
        int nobody = Ports.free();
        LoadResult r = loader.run(LoadSpec.builder(nobody)
                .request("/", 13)
                .duration(Duration.ofMillis(200))
                .build());
        assertEquals(0, r.requests());
        assertTrue(r.errors().connect() > 0, r.errors().describe());
    }

    /**
     * The server stalls every answer between 300 and 700 ms. A closed loop would send nothing during the stall
     * and record a single slow request; the open loop keeps the schedule, and each request due during the stall
     * counts its wait from when it was due, so the stall reaches the 99th percentile.
     */
    @Test
    void openLoopCountsLatencyFromTheIntendedSendTime() throws Exception {
        long[] window = new long[2];
        try (TestHttpServer server = new TestHttpServer(200, "hello, world\n", t -> {
            long stallFrom = window[0] + 300_000_000L;
            long stallTo = window[0] + 700_000_000L;
            return t >= stallFrom && t < stallTo ? (stallTo - t) / 1_000_000 : 0L;
        })) {
            window[0] = System.nanoTime();
            LoadResult r = loader.run(LoadSpec.builder(server.port())
                    .request("/small", 13)
                    .connections(1)
                    .rate(200)
                    .duration(Duration.ofSeconds(1))
                    .build());
            assertEquals(ErrorCounts.NONE, r.errors(), r.lastError());
            assertTrue(r.requests() >= 190 && r.requests() <= 201, "the schedule is kept: " + r.requests());
            assertTrue(r.p99Micros() >= 300_000, "stall visible at p99: " + r.p99Micros() + " µs");
            assertTrue(r.p50Micros() < r.p99Micros());
        }
    }
}
