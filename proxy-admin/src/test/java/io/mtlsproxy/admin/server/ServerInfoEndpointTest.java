package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.admin.metrics.PrometheusRegistry;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.OneRouteConfig;
import io.mtlsproxy.admin.testing.PromText;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A fleet tool asks each proxy what it runs: /server-info and mtls_proxy_build_info say the same thing. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerInfoEndpointTest {
    /** What Maven wrote at build time: never "dev", never a placeholder. */
    private static final String VERSION = "\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?";

    private static final String COMMIT = "[0-9a-f]{12}";

    @TempDir
    Path dir;

    @Test
    void answersTheBuildTheStartTheConfigAndTheLastReload() throws Exception {
        Path file = dir.resolve("proxy.conf");
        OneRouteConfig.write(file);
        Instant before = Instant.now().minusSeconds(1);
        try (ProxyApp app = ProxyApp.start(file)) {
            AdminClient admin = new AdminClient(app.adminPort());
            JsonNode info = AdminClient.json(admin.get("/server-info"));
            assertTrue(info.get("version").asText().matches(VERSION), info::toString);
            assertTrue(info.get("commit").asText().matches(COMMIT), info::toString);
            assertTrue(
                    List.of("openssl", "jdk").contains(info.get("tls_provider").asText()), info::toString);
            assertFalse(Instant.parse(info.get("started_at").asText()).isBefore(before), info::toString);
            assertTrue(info.get("uptime_seconds").asLong() >= 0, info::toString);
            assertEquals(file.toAbsolutePath().toString(), info.get("config").asText());
            assertTrue(info.get("last_reload").isNull(), "the start is not a reload: " + info);

            assertEquals(200, admin.post("/reload").statusCode());
            JsonNode ok = AdminClient.json(admin.get("/server-info")).get("last_reload");
            assertEquals("ok", ok.get("result").asText(), ok::toString);
            Instant okTime = Instant.parse(ok.get("time").asText());

            OneRouteConfig.breakIt(file);
            assertEquals(422, admin.post("/reload").statusCode());
            JsonNode failed = AdminClient.json(admin.get("/server-info")).get("last_reload");
            assertEquals("error", failed.get("result").asText(), failed::toString);
            assertFalse(Instant.parse(failed.get("time").asText()).isBefore(okTime), failed::toString);

            HttpResponse<String> metrics = admin.get("/metrics");
            List<PromText.Sample> build = PromText.samples(metrics.body(), PrometheusRegistry.BUILD_INFO_METRIC);
            assertEquals(1, build.size(), metrics.body());
            assertEquals(1.0, build.get(0).value());
            assertEquals(
                    Map.of(
                            "version",
                            info.get("version").asText(),
                            "commit",
                            info.get("commit").asText(),
                            "tls_provider",
                            info.get("tls_provider").asText()),
                    build.get(0).labels());
        }
    }
}
