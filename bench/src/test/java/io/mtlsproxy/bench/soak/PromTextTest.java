package io.mtlsproxy.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PromTextTest {
    private static final String TEXT = """
            # HELP jvm_memory_used_bytes The amount of used memory
            # TYPE jvm_memory_used_bytes gauge
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 2.5165824E7
            jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 1.0E7
            jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 3.0E7
            mtls_proxy_certificate_expires_in_seconds{owner="public",serial="6b",subject="O=Example\\\\, Inc.,CN=\\"api\\"",usage="listener-server"} 1727996.0
            mtls_proxy_requests_total{listener="soak",route="tls",status="200"} 10.0
            mtls_proxy_requests_total{listener="soak",route="mtls",status="200"} 5.0
            mtls_proxy_requests_total{listener="soak",route="faulty",status="502"} 2.0
            process_files_open_files 37.0
            """;

    @Test
    void sumsSeriesByLabelsAndGroups() {
        PromText m = PromText.parse(TEXT);
        assertEquals(3.5165824E7, m.sum("jvm_memory_used_bytes", "area", "heap"));
        assertEquals(37.0, m.sum("process_files_open_files"));
        assertEquals(Map.of("200", 15.0, "502", 2.0), m.sumBy("mtls_proxy_requests_total", "status"));
        assertTrue(Double.isNaN(m.sum("no_such_metric")));
    }

    @Test
    void readsEscapedLabelValues() {
        PromText m = PromText.parse(TEXT);
        assertEquals(
                1727996.0,
                m.sum("mtls_proxy_certificate_expires_in_seconds", "subject", "O=Example\\, Inc.,CN=\"api\""));
    }
}
