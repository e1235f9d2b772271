package io.mtlsproxy.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.RequestIdConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** traceparent kept or started by the W3C rules, and request IDs made or trusted. */
class TraceContextTest {
    private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

    @Test
    void aValidParentKeepsTraceAndFlagsWithANewSpan() {
        HttpHeaders h = new DefaultHttpHeaders().add("traceparent", PARENT).add("tracestate", "a=1");
        String ours = TraceContext.forward(h).toString();
        assertEquals(PARENT.substring(0, 36), ours.substring(0, 36));
        assertNotEquals(PARENT.substring(36, 52), ours.substring(36, 52));
        assertEquals("-00", ours.substring(52));
        assertEquals(ours, h.get("traceparent"));
        assertEquals("a=1", h.get("tracestate"));
        assertTrue(TraceContext.valid(ours));
    }

    @Test
    void aLaterVersionIsReadByItsFirstFieldsAndAnsweredAsVersion00() {
        HttpHeaders h = new DefaultHttpHeaders().add("traceparent", "01" + PARENT.substring(2) + "-extra");
        String ours = TraceContext.forward(h).toString();
        assertTrue(ours.startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-"), ours);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace ID
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent ID
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // version ff
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", // 00 with more
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                "garbage"
            })
    void anInvalidParentStartsATraceAndDropsTracestate(String bad) {
        assertFalse(TraceContext.valid(bad));
        HttpHeaders h = new DefaultHttpHeaders().add("traceparent", bad).add("tracestate", "a=1");
        String ours = TraceContext.forward(h).toString();
        assertTrue(TraceContext.valid(ours), ours);
        assertTrue(ours.endsWith("-01"), "a started trace is sampled: " + ours);
        assertNull(h.get("tracestate"));
    }

    @Test
    void twoParentsAreNoParent() {
        HttpHeaders h = new DefaultHttpHeaders().add("traceparent", PARENT).add("traceparent", PARENT);
        assertNotEquals(
                PARENT.substring(3, 35), TraceContext.forward(h).toString().substring(3, 35));
        assertEquals(1, h.getAll("traceparent").size());
    }

    @Test
    void requestIdsAreNewUuidsUnlessATrustedHopSentAGoodOne() {
        RequestIds fresh = RequestIds.DEFAULT;
        RequestIds trusting = new RequestIds(new RequestIdConfig("X-Request-Id", true, true));
        HttpHeaders h = new DefaultHttpHeaders().add("x-request-id", "lb-1234");
        assertEquals("lb-1234", trusting.idFor(h).toString());
        assertNotEquals("lb-1234", fresh.idFor(h).toString());
        assertNotEquals(
                "a b",
                trusting.idFor(new DefaultHttpHeaders().add("x-request-id", "a b"))
                        .toString());
        assertNotEquals(
                129,
                trusting.idFor(new DefaultHttpHeaders().add("x-request-id", "a".repeat(129)))
                        .length());
        RequestIds off = new RequestIds(new RequestIdConfig("X-Request-Id", true, false));
        assertNull(off.idFor(h), "request-id.enabled = false: none, not even the client's");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestIds.newId().toString();
            assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);
            ids.add(id);
        }
        assertEquals(10_000, ids.size());
    }
}
