package io.mtlsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The small value checks and the suggester, on their own. */
class SyntaxTest {
    @Test
    void endpoints() {
        assertEquals(Optional.of(new Endpoint("10.0.0.5", 9443)), Syntax.parseEndpoint("10.0.0.5:9443"));
        assertEquals(Optional.of(new Endpoint("orders.internal", 443)), Syntax.parseEndpoint("orders.internal:443"));
        assertEquals(Optional.of(new Endpoint("::1", 443)), Syntax.parseEndpoint("[::1]:443"));
        assertEquals(
                "[::1]:443", Syntax.parseEndpoint("[::1]:443").orElseThrow().toString());
        for (String bad : List.of(
                "10.0.0.5",
                "::1:443",
                "[::1]443",
                "host:",
                "host:65536",
                "host:0",
                ":80",
                "[not-v6]:80",
                "two words:80",
                "host:80x")) {
            assertEquals(Optional.empty(), Syntax.parseEndpoint(bad), bad);
        }
    }

    @Test
    void uriSans() {
        assertEquals(Optional.empty(), Syntax.checkUriSan("spiffe://example.org/ns/prod/sa/x", true));
        assertEquals(Optional.empty(), Syntax.checkUriSan("spiffe://example.org/ns/prod/*", true));
        assertEquals(Optional.empty(), Syntax.checkUriSan("urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", true));
        assertTrue(Syntax.checkUriSan("spiffe://example.org/ns/*", false).isPresent(), "no prefix form where pinned");
        assertTrue(Syntax.checkUriSan("/relative/path", true).isPresent());
        assertTrue(Syntax.checkUriSan("spiffe://*.example.org/x", true).isPresent());
    }

    @Test
    void fingerprintsAreNormalized() {
        String hex = "0123456789ABCDEF".repeat(4);
        String colons = String.join(":", hex.split("(?<=\\G..)"));
        assertEquals(Optional.of(hex.toLowerCase()), Syntax.normalizeFingerprint(colons));
        assertEquals(Optional.empty(), Syntax.normalizeFingerprint(hex.substring(2)));
        assertEquals(Optional.empty(), Syntax.normalizeFingerprint(hex.substring(1) + "g"));
    }

    @Test
    void hostPatterns() {
        assertEquals(Optional.empty(), Syntax.checkHostPattern("api.example.com"));
        assertEquals(Optional.empty(), Syntax.checkHostPattern("*.example.com"));
        assertEquals(Optional.empty(), Syntax.checkHostPattern("localhost"));
        assertTrue(Syntax.checkHostPattern("api.*.com").isPresent());
        assertTrue(Syntax.checkHostPattern("-bad.example.com").isPresent());
        assertTrue(Syntax.checkHostPattern("").isPresent());
        assertTrue(Syntax.isBindAddress("[::]"));
        assertFalse(Syntax.isBindAddress("0.0.0.0:80"));
        for (String v6 : List.of("::", "::1", "2001:db8::5", "fe80::1%eth0", "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1")) {
            assertTrue(Syntax.isIpv6(v6), v6);
        }
        for (String not : List.of("1:2", ":::1", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::1", ":1::", "0.0.0.0:80")) {
            assertFalse(Syntax.isIpv6(not), not);
        }
    }

    @Test
    void didYouMean() {
        List<String> keys = List.of("verify-depth", "protocols", "client-ca", "crl", "mode");
        assertEquals(Optional.of("verify-depth"), DidYouMean.suggest("verify-dept", keys));
        assertEquals(Optional.of("verify-depth"), DidYouMean.suggest("verify_depth", keys));
        assertEquals(Optional.of("protocols"), DidYouMean.suggest("protcols", keys));
        assertEquals(Optional.of("mode"), DidYouMean.suggest("mdoe", keys), "a transposition is one edit");
        assertEquals(Optional.empty(), DidYouMean.suggest("colour", keys));
        assertEquals(Optional.empty(), DidYouMean.suggest("tls", keys), "short words are not near everything");
    }
}
