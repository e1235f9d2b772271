package io.mtlsproxy.admin.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.Tools;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** conf/prometheus as shipped: rules and config valid, and the alerts fire on the series they are meant for. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusRulesTest {
    static final Path DIR = Tools.repoRoot().resolve("conf/prometheus");

    @Test
    void alertRulesAreValid() {
        Tools.Result r = promtool("check", "rules", DIR.resolve("alerts.yml").toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS: 12 rules found"), r.output());
    }

    @Test
    void exampleConfigIsValidAndLoadsTheRules() {
        Tools.Result r =
                promtool("check", "config", DIR.resolve("prometheus.yml").toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("1 rule files found"), r.output());
    }

    /** alerts_test.yml feeds series shaped like the proxy's and expects each alert (and its silence). */
    @Test
    void alertsFireAsTheirUnitTestsExpect() {
        Tools.Result r =
                promtool("test", "rules", DIR.resolve("alerts_test.yml").toString());
        assertEquals(0, r.exit(), r.output());
    }

    private static Tools.Result promtool(String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add(Tools.binary("promtool").toString());
        command.addAll(List.of(args));
        return Tools.run("", command);
    }
}
