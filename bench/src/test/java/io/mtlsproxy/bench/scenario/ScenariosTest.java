package io.mtlsproxy.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.process.CpuPlan;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScenariosTest {
    @Test
    void catalogCoversEveryLegTwiceAndEachSpecialWorkloadOnce() {
        assertEquals(18, Scenarios.ALL.size());
        assertEquals(18, Scenarios.ALL.stream().map(Scenario::id).distinct().count(), "ids are unique");
        for (Leg leg : Leg.ALL) {
            assertTrue(Scenarios.ALL.contains(new Scenario(leg, Workload.SMALL)));
            assertTrue(Scenarios.ALL.contains(new Scenario(leg, Workload.LARGE)));
        }
        assertEquals("mTLS→mTLS, 16 KiB keep-alive", new Scenario(Leg.MTLS_MTLS, Workload.LARGE).label());
    }

    @Test
    void parsesIdsWorkloadsAndGroupsInCatalogOrder() {
        assertEquals(Scenarios.ALL, Scenarios.parse("all"));
        assertEquals(Scenarios.QUICK_SUBSET.size(), Scenarios.parse("quick").size());
        List<Scenario> chosen = Scenarios.parse("handshake-tls12, mtls-plain-small,handshake-tls13");
        assertEquals(
                List.of("mtls-plain-small", "mtls-plain-handshake-tls13", "mtls-plain-handshake-tls12"),
                chosen.stream().map(Scenario::id).toList());
        assertEquals(5, Scenarios.parse("16k").size());
    }

    @Test
    void unknownScenarioSaysWhatIsExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenarios.parse("nope"));
        assertTrue(e.getMessage().startsWith("scenario: nope (expected: all, quick, a workload ("), e.getMessage());
    }

    @Test
    void cpuPlanCountsTasksetListsAndSplitsTheMachine() {
        assertEquals(1, CpuPlan.count("1"));
        assertEquals(3, CpuPlan.count("0,2-3"));
        assertThrows(IllegalArgumentException.class, () -> CpuPlan.count("3-1"));
        assertEquals(new CpuPlan(Optional.of("0"), "1", "0"), CpuPlan.defaults(2));
        assertEquals(new CpuPlan(Optional.of("0"), "0", "0"), CpuPlan.defaults(1));
        assertEquals(new CpuPlan(Optional.of("2-7"), "1", "0"), CpuPlan.defaults(8));
    }
}
