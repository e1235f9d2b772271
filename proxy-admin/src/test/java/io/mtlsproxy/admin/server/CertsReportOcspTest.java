package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.admin.inventory.CertificateEntry;
import io.mtlsproxy.admin.inventory.InventorySnapshot;
import io.mtlsproxy.admin.json.Json;
import io.mtlsproxy.core.revocation.OcspAnswer;
import io.mtlsproxy.core.revocation.OcspStaple;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.ExpiryState;
import io.mtlsproxy.core.tls.StapleStatus;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stapled server certificate on /certs has an {@code ocsp} object (state, cert_status, this_update, next_update,
 * last_error); the same certificate on a listener without stapling, and every other entry, has none.
 */
class CertsReportOcspTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir
    Path dir;

    private static CertificateEntry entry(String usage, String owner, X509Certificate c) {
        return CertificateEntry.of(new CertificateUse(usage, owner, Path.of("pki/edge.crt"), c), ExpiryState.VALID);
    }

    @Test
    void aStapledCertificateShowsItsStapleState() throws Exception {
        X509Certificate cert =
                new TestPki(dir).ca("edge").server("edge").issued().certificate();
        OcspAnswer answer = new OcspAnswer(
                OcspAnswer.Status.GOOD, NOW.minusSeconds(60), Optional.of(NOW.plusSeconds(3600)), new byte[] {1});
        StapleStatus stale = new StapleStatus(
                cert,
                new OcspStaple.State(
                        "stale", Optional.of(answer), Optional.of("cannot fetch OCSP from http://ocsp/: refused")));
        InventorySnapshot snapshot = new InventorySnapshot(
                NOW,
                List.of(
                        entry(CertificateUse.LISTENER_SERVER, "edge", cert),
                        entry(CertificateUse.LISTENER_SERVER, "other", cert)),
                List.of());
        byte[] body = Json.bytes(CertsReport.of(snapshot, NOW, Set.of(), List.of(), Map.of("edge", List.of(stale))));
        JsonNode certs = new ObjectMapper().readTree(body).get("certificates");

        JsonNode ocsp = certs.get(0).get("ocsp");
        assertEquals("stale", ocsp.get("state").asText());
        assertEquals("good", ocsp.get("cert_status").asText());
        assertEquals("2026-12-07T11:59:00Z", ocsp.get("this_update").asText());
        assertEquals("2026-12-07T13:00:00Z", ocsp.get("next_update").asText());
        assertEquals(
                "cannot fetch OCSP from http://ocsp/: refused",
                ocsp.get("last_error").asText());
        assertFalse(certs.get(1).has("ocsp"), "the listener without stapling has none");

        StapleStatus missing =
                new StapleStatus(cert, new OcspStaple.State("missing", Optional.empty(), Optional.empty()));
        body = Json.bytes(CertsReport.of(snapshot, NOW, Set.of(), List.of(), Map.of("edge", List.of(missing))));
        ocsp = new ObjectMapper().readTree(body).get("certificates").get(0).get("ocsp");
        assertEquals("missing", ocsp.get("state").asText());
        assertTrue(ocsp.get("cert_status").isNull() && ocsp.get("last_error").isNull(), ocsp::toString);
    }
}
