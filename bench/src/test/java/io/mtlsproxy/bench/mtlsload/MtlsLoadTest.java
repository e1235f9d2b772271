package io.mtlsproxy.bench.mtlsload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MtlsLoadTest {
    private static final String OUTPUT = """
            mtlsload https://localhost:18443/small keep-alive c=2 warmup=1s d=2s
              requests 1180 in 2.00s = 590.0 req/s, 0.00 MB/s body, 1743 connections opened
            RESULT rps=590.0 p50_ms=3.238 p90_ms=3.971 p99_ms=6.664 p999_ms=17.252 max_ms=17.421 errors=0 \
            requests=1180 conns=1743 loadgen_cpu=54 peer_cpu=56 other_cpu=89 err_connect=0 err_io=0 err_status=0
            """;

    @Test
    void readsTheResultLine() {
        MtlsLoadResult r = MtlsLoad.parse(OUTPUT);
        assertEquals(590.0, r.requestsPerSecond());
        assertEquals(1180, r.requests());
        assertEquals(6.664, r.p99Ms());
        assertEquals(0, r.errors());
        // 56 % of one core over 590 requests per second: 949 µs of the peer's CPU per request.
        assertEquals(949.2, r.peerCpuMicrosPerRequest(), 0.1);
    }

    @Test
    void noAnswerMeansNoCpuPerRequest() {
        MtlsLoadResult r = MtlsLoad.parse("RESULT rps=0 p50_ms=0 p99_ms=0 p999_ms=0 errors=64 requests=0 peer_cpu=3\n");
        assertNull(r.peerCpuMicrosPerRequest());
        assertEquals(64, r.errors());
    }

    @Test
    void aMissingFieldOrLineIsNamed() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> MtlsLoad.parse("boom\n"));
        assertTrue(none.getMessage().contains("no RESULT line"), none.getMessage());
        IllegalArgumentException field =
                assertThrows(IllegalArgumentException.class, () -> MtlsLoad.parse("RESULT rps=1 requests=1\n"));
        assertTrue(field.getMessage().contains("p50_ms"), field.getMessage());
    }
}
