package io.mtlsproxy.core.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.identity.PeerIdentity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The inventory's bound: least recently seen dropped first, each drop counted, a returning client moved up. */
class ClientInventoryTest {
    static final List<PeerIdentity> PEERS = new ArrayList<>();
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @BeforeAll
    static void issue() {
        CertificateAuthority ca =
                CertificateAuthority.createRoot("Clients CA", java.time.Duration.ofDays(30), KeyAlgorithm.EC_P256);
        for (int i = 0; i < 4; i++) {
            PEERS.add(PeerIdentity.of(
                    List.of(ca.issue(CertificateSpec.client("c" + i).build()).certificate()), true, null));
        }
    }

    private static List<String> subjects(ClientInventory inventory) {
        return inventory.snapshot().stream().map(ClientRecord::subject).toList();
    }

    @Test
    void theLeastRecentlySeenIsDroppedAndCounted() {
        ClientInventory inventory = new ClientInventory(2);
        inventory.handshake("edge", PEERS.get(0), T0);
        inventory.handshake("edge", PEERS.get(1), T0.plusSeconds(1));
        inventory.handshake("edge", PEERS.get(0), T0.plusSeconds(2)); // c0 seen again: c1 is now the oldest
        inventory.handshake("edge", PEERS.get(2), T0.plusSeconds(3));
        assertEquals(List.of("CN=c0", "CN=c2"), subjects(inventory));
        assertEquals(1, inventory.dropped());
        ClientRecord c0 = inventory.snapshot().get(0);
        assertEquals(2, c0.handshakes());
        assertEquals(T0, c0.firstSeen());
        assertEquals(T0.plusSeconds(2), c0.lastSeen());
    }

    @Test
    void aThousandDistinctClientsWithFiveHundredTrackedKeepTheFiveHundredMostRecent() {
        CertificateAuthority ca =
                CertificateAuthority.createRoot("Fleet CA", java.time.Duration.ofDays(30), KeyAlgorithm.EC_P256);
        ClientInventory inventory = new ClientInventory(500);
        for (int i = 0; i < 1000; i++) {
            PeerIdentity peer = PeerIdentity.of(
                    List.of(ca.issue(CertificateSpec.client("fleet-" + i).build())
                            .certificate()),
                    true,
                    null);
            inventory.handshake("edge", peer, T0.plusSeconds(i));
            assertTrue(inventory.size() <= 500, "never more than max-tracked entries");
        }
        assertEquals(500, inventory.size());
        assertEquals(500, inventory.dropped());
        List<String> kept = subjects(inventory);
        assertTrue(kept.contains("CN=fleet-500") && kept.contains("CN=fleet-999"), "the most recent are kept");
        assertTrue(kept.stream().noneMatch(s -> s.equals("CN=fleet-0") || s.equals("CN=fleet-499")), "oldest dropped");
    }

    @Test
    void oneCertificateOnTwoListenersIsTwoEntries() {
        ClientInventory inventory = new ClientInventory(10);
        inventory.handshake("edge", PEERS.get(0), T0);
        inventory.handshake("internal", PEERS.get(0), T0);
        assertEquals(
                List.of("edge", "internal"),
                inventory.snapshot().stream().map(ClientRecord::listener).toList());
    }

    @Test
    void aSmallerMaxTrackedDropsAtOnceAndAnonymousPeersAreNotClients() {
        ClientInventory inventory = new ClientInventory(10);
        PEERS.forEach(p -> inventory.handshake("edge", p, T0));
        inventory.handshake("edge", PeerIdentity.ANONYMOUS, T0);
        assertEquals(4, inventory.size());
        inventory.maxTracked(1);
        assertEquals(List.of("CN=c3"), subjects(inventory));
        assertEquals(3, inventory.dropped());
        assertThrows(IllegalArgumentException.class, () -> inventory.maxTracked(0));
    }

    @Test
    void identityDenialsCountOnTheClientsEntry() {
        ClientInventory inventory = new ClientInventory(10);
        inventory.handshake("edge", PEERS.get(0), T0);
        inventory.identityDenied("edge", PEERS.get(0));
        inventory.identityDenied("edge", PEERS.get(1)); // not tracked: nothing to count on
        inventory.identityDenied("edge", PeerIdentity.ANONYMOUS);
        assertEquals(1, inventory.snapshot().get(0).denials());
        assertTrue(inventory.snapshot().get(0).uriSans().isEmpty());
    }
}
