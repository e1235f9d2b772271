package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.admin.inventory.CertificateEntry;
import io.mtlsproxy.admin.inventory.CrlEntry;
import io.mtlsproxy.admin.inventory.InventorySnapshot;
import io.mtlsproxy.admin.json.Json;
import io.mtlsproxy.core.tls.ExpiryState;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Fuzzes the {@code GET /certs} body with what certificates and the configuration put in it: subjects, issuers,
 * SANs, owners and paths of any characters (quotes, backslashes, control characters, lone surrogates, which a
 * BMPString subject can decode to) and any instants. The body is always one valid UTF-8 JSON object, read back by
 * a strict parser, whose every string is the one that went in (a lone surrogate, which UTF-8 cannot carry, as the
 * replacement character): a crafted subject cannot break the document, add a key or hide an entry.
 */
class CertsReportFuzzTest {
    private static final ObjectMapper STRICT = new ObjectMapper();

    @FuzzTest
    void bodies(FuzzedDataProvider data) throws Exception {
        List<CertificateEntry> certs = new ArrayList<>();
        List<CrlEntry> crls = new ArrayList<>();
        int n = data.consumeInt(1, 3);
        for (int i = 0; i < n; i++) {
            certs.add(new CertificateEntry(
                    data.consumeString(20),
                    data.consumeString(20),
                    Path.of("/etc/proxy", data.consumeString(30).replace('\0', '_')),
                    data.consumeString(100),
                    data.consumeString(100),
                    data.consumeString(40),
                    List.of(data.consumeString(50), data.consumeString(50)),
                    data.consumeString(64),
                    instant(data),
                    instant(data),
                    data.pickValue(ExpiryState.values())));
        }
        if (data.consumeBoolean()) {
            crls.add(new CrlEntry(
                    data.consumeString(20),
                    Path.of("/etc/proxy/ca.crl"),
                    data.consumeString(100),
                    instant(data),
                    data.consumeBoolean() ? null : instant(data),
                    data.pickValue(CrlEntry.State.values())));
        }
        Instant now = instant(data);
        byte[] body = Json.bytes(CertsReport.of(new InventorySnapshot(instant(data), certs, crls), now, Set.of()));

        StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(body)); // valid UTF-8
        JsonNode doc = STRICT.readTree(body);
        assertTrue(doc.isObject(), "one object");
        JsonNode entries = doc.get("certificates");
        assertEquals(certs.size() + crls.size(), entries.size(), "every entry, no more");
        for (int i = 0; i < certs.size(); i++) {
            CertificateEntry c = certs.get(i);
            JsonNode e = entries.get(i);
            assertEquals(utf8(c.subject()), e.get("subject").asText());
            assertEquals(utf8(c.issuer()), e.get("issuer").asText());
            assertEquals(utf8(c.owner()), e.get("owner").asText());
            assertEquals(utf8(c.path().toString()), e.get("path").asText());
            assertEquals(utf8(c.sans().get(1)), e.get("sans").get(1).asText());
            assertEquals(c.expiresInSeconds(now), e.get("expires_in_seconds").asLong());
        }
    }

    /** What a string becomes in UTF-8: a lone surrogate, which UTF-8 cannot carry, is replaced. */
    private static String utf8(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    private static Instant instant(FuzzedDataProvider data) {
        return Instant.ofEpochSecond(data.consumeLong(-62_135_596_800L, 253_402_300_799L)); // years 1..9999
    }
}
