package io.mtlsproxy.core.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.identity.PeerIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the XFCC element the proxy writes ({@link ClientCertHeader}) with what a client certificate may carry in
 * its subject and SANs: any characters, including {@code , ; = " \} and control bytes. Whatever they are, the
 * element parses back, with a parser as strict as an origin's, as exactly one element with exactly the fields
 * {@code Hash}, {@code Subject}, one {@code URI} per URI SAN and one {@code DNS} per DNS SAN, in order, each value
 * the certificate's (less the control characters, which no header value may carry), and the header value has no
 * byte an HTTP field value may not have. An injected {@code ,} would forge a second element, a {@code ;} a field.
 */
class ClientCertHeaderFuzzTest {
    private static final String HASH = "ab".repeat(32);
    /** A real certificate for the chain; the subject and SANs under test are the fuzzer's. */
    private static final PeerIdentity SHAPE = PeerIdentity.of(
            List.of(CertificateAuthority.createRoot("xfcc", Duration.ofDays(1), KeyAlgorithm.EC_P256)
                    .certificate()),
            true,
            null);

    @FuzzTest
    void elements(FuzzedDataProvider data) {
        String subject = data.consumeString(200);
        List<String> uris = new ArrayList<>();
        List<String> dns = new ArrayList<>();
        int sans = data.consumeInt(0, 4);
        for (int i = 0; i < sans; i++) {
            (data.consumeBoolean() ? uris : dns).add(data.consumeString(100));
        }
        PeerIdentity peer =
                new PeerIdentity(SHAPE.chain(), true, null, subject, dns, uris, HASH, "CN=Fuzz CA", "1a", null);

        String element = ClientCertHeader.element(peer);
        assertTrue(element.chars().allMatch(c -> c >= 0x20 && c != 0x7f), "a valid field value: " + element);
        List<List<String[]>> parsed = XfccParser.parse(element);
        assertEquals(1, parsed.size(), "one element: " + element);
        List<String> expected = new ArrayList<>();
        expected.add("Hash=" + HASH);
        expected.add("Subject=" + visible(subject));
        uris.forEach(u -> expected.add("URI=" + visible(u)));
        dns.forEach(d -> expected.add("DNS=" + visible(d)));
        assertEquals(
                expected, parsed.get(0).stream().map(kv -> kv[0] + "=" + kv[1]).toList(), element);
    }

    private static String visible(String s) {
        return s.chars()
                .filter(c -> c >= 0x20 && c != 0x7f)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }

    /**
     * Envoy's grammar for x-forwarded-client-cert: elements split at unquoted {@code ,}, fields at unquoted
     * {@code ;}, each {@code key=value}, a value either bare or a quoted string with backslash escapes. Fails on
     * anything else (an unterminated quote, a field without {@code =}, text after a closing quote).
     */
    static final class XfccParser {
        static List<List<String[]>> parse(String header) {
            List<List<String[]>> elements = new ArrayList<>();
            List<String[]> fields = new ArrayList<>();
            int i = 0;
            while (true) {
                int eq = header.indexOf('=', i);
                assertTrue(eq >= 0, "a field without '=' at " + i + ": " + header);
                String key = header.substring(i, eq);
                assertTrue(key.chars().noneMatch(c -> c == ',' || c == ';' || c == '"'), "key " + key);
                StringBuilder value = new StringBuilder();
                int j = eq + 1;
                if (j < header.length() && header.charAt(j) == '"') {
                    j++;
                    while (true) {
                        assertTrue(j < header.length(), "unterminated quote: " + header);
                        char c = header.charAt(j++);
                        if (c == '"') {
                            break;
                        }
                        if (c == '\\') {
                            assertTrue(j < header.length(), "dangling escape: " + header);
                            c = header.charAt(j++);
                        }
                        value.append(c);
                    }
                } else {
                    while (j < header.length() && ",;".indexOf(header.charAt(j)) < 0) {
                        char c = header.charAt(j++);
                        assertTrue(c != '"' && c != '=' && c != '\\', "a bare value with " + c + ": " + header);
                        value.append(c);
                    }
                }
                fields.add(new String[] {key, value.toString()});
                if (j == header.length()) {
                    elements.add(fields);
                    return elements;
                }
                char sep = header.charAt(j);
                assertTrue(sep == ';' || sep == ',', "text after a value: " + header);
                if (sep == ',') {
                    elements.add(fields);
                    fields = new ArrayList<>();
                }
                i = j + 1;
            }
        }
    }
}
