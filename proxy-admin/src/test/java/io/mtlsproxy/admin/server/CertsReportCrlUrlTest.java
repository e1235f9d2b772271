package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.admin.inventory.CrlEntry;
import io.mtlsproxy.admin.inventory.InventorySnapshot;
import io.mtlsproxy.admin.json.Json;
import io.mtlsproxy.core.revocation.FetchedCrl;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A CRL fetched from a URL on /certs: {@code url}, {@code last_fetch} and {@code last_error} instead of a path. */
class CertsReportCrlUrlTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private static JsonNode entry(Optional<String> error) throws Exception {
        CrlEntry crl = new CrlEntry(
                "edge",
                "http://crl.example/edge.crl",
                "CN=Clients CA",
                NOW.minusSeconds(3600),
                NOW.plusSeconds(3600),
                CrlEntry.State.VALID,
                Optional.of(new FetchedCrl.Status(
                        URI.create("http://crl.example/edge.crl"), Optional.of(NOW.minusSeconds(60)), error)));
        byte[] body = Json.bytes(CertsReport.of(new InventorySnapshot(NOW, List.of(), List.of(crl)), NOW, Set.of()));
        return new ObjectMapper().readTree(body).get("certificates").get(0);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    @Test
    void aFetchedCrlHasItsUrlAndFetchState() throws Exception {
        JsonNode ok = entry(Optional.empty());
        assertEquals(
                List.of(
                        "usage",
                        "owner",
                        "url",
                        "issuer",
                        "this_update",
                        "next_update",
                        "state",
                        "last_fetch",
                        "last_error"),
                fieldNames(ok));
        assertEquals("http://crl.example/edge.crl", ok.get("url").asText());
        assertEquals("2026-12-07T11:59:00Z", ok.get("last_fetch").asText());
        assertTrue(ok.get("last_error").isNull());

        JsonNode failing = entry(Optional.of("cannot fetch http://crl.example/edge.crl: Connection refused"));
        assertEquals(
                "cannot fetch http://crl.example/edge.crl: Connection refused",
                failing.get("last_error").asText());
    }
}
