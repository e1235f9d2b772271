package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.admin.json.Json;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.clients.ClientRecord;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Fuzzes the {@code GET /clients} body with what a client's certificate puts in it: subject, issuer, serial and
 * SANs of any characters (quotes, backslashes, control characters, lone surrogates) and any validity instants. A
 * client controls every one of these strings, so the body must always be one valid UTF-8 JSON object, read back by
 * a strict parser, with every client in it, most recently seen first, each string the one that went in: a crafted
 * certificate cannot break the document, add a key or hide another client.
 */
class ClientsReportFuzzTest {
    private static final ObjectMapper STRICT = new ObjectMapper();

    @FuzzTest
    void bodies(FuzzedDataProvider data) throws Exception {
        List<ClientRecord> leastRecentFirst = new ArrayList<>();
        int n = data.consumeInt(1, 3);
        for (int i = 0; i < n; i++) {
            leastRecentFirst.add(new ClientRecord(
                    data.consumeString(20),
                    data.consumeString(100),
                    data.consumeString(100),
                    data.consumeString(40),
                    data.consumeString(64),
                    List.of(data.consumeString(60)),
                    List.of(data.consumeString(60), data.consumeString(20)),
                    instant(data),
                    instant(data),
                    instant(data),
                    instant(data),
                    data.consumeLong(0, Long.MAX_VALUE),
                    data.consumeLong(0, Long.MAX_VALUE),
                    data.pickValue(new String[] {"revoked", "denied", null})));
        }
        Instant now = instant(data);
        byte[] body = Json.bytes(ClientsReport.of(
                leastRecentFirst, data.consumeLong(0, 1_000), now, ExpiryConfig.DEFAULT, Set.of(), Set.of()));

        StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(body)); // valid UTF-8
        JsonNode doc = STRICT.readTree(body);
        assertTrue(doc.isObject(), "one object");
        JsonNode clients = doc.get("clients");
        assertEquals(n, clients.size(), "every client, no more");
        for (int i = 0; i < n; i++) {
            ClientRecord c = leastRecentFirst.get(n - 1 - i); // most recently seen first
            JsonNode e = clients.get(i);
            assertEquals(utf8(c.listener()), e.get("listener").asText());
            assertEquals(utf8(c.subject()), e.get("subject").asText());
            assertEquals(utf8(c.issuer()), e.get("issuer").asText());
            assertEquals(utf8(c.serial()), e.get("serial").asText());
            assertEquals(utf8(c.uriSans().get(0)), e.get("uri_sans").get(0).asText());
            assertEquals(utf8(c.dnsSans().get(1)), e.get("dns_sans").get(1).asText());
            assertEquals(c.handshakes(), e.get("handshakes").asLong());
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
