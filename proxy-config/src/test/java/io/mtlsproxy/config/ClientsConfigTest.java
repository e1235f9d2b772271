package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clients.max-tracked} and a listener's {@code tls.deny}: read, normalized, and every bad entry at its line. */
class ClientsConfigTest {
    @TempDir
    Path dir;

    private static final String LISTENER = """
            listeners = [{
              name = edge, port = 0
              tls {
                mode = mtls
                client-ca = "pki/clients-ca.crt"
                certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                deny {
            %s
                }
              }
            }]
            """;

    @Test
    void readAndNormalized() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        ProxyConfig config =
                f.load("clients { max-tracked = 500 }\n" + LISTENER.formatted("""
                  serials = ["00:1A:2b", "ff"]
                  sha256-fingerprints = ["AB:%s"]
                  subjects = ["CN=leaked,O=Example"]
                  uri-sans = ["spiffe://example.org/ns/prod/sa/leaked"]
                """.formatted("cd".repeat(31))));
        assertEquals(500, config.clients().maxTracked());
        DenyList deny = config.listeners().get(0).tls().deny();
        assertEquals(Set.of("1a2b", "ff"), deny.serials());
        assertEquals(Set.of("ab" + "cd".repeat(31)), deny.sha256Fingerprints());
        assertEquals(Set.of("CN=leaked,O=Example"), deny.subjects());
        assertEquals(Set.of("spiffe://example.org/ns/prod/sa/leaked"), deny.uriSans());
    }

    @Test
    void defaults() throws Exception {
        ProxyConfig config = new ConfigFixture(dir).load(LISTENER.formatted(""));
        assertEquals(ClientsConfig.DEFAULT, config.clients());
        assertEquals(DenyList.EMPTY, config.listeners().get(0).tls().deny());
    }

    @Test
    void everyBadEntryAtItsLine() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = "clients { max-tracked = 0 }\n" + LISTENER.formatted("""
                  serials = ["not-hex"]
                  sha256-fingerprints = ["abc"]
                  subjects = ["not a dn"]
                  uri-sans = ["relative/path"]
                  names = []
                """);
        List<ConfigError> e = f.errors(text);
        assertError(e, f.main(), 1, "clients.max-tracked", "expected");
        assertError(
                e,
                f.main(),
                ConfigFixture.line(text, "not-hex"),
                "listeners[0].tls.deny.serials[0]",
                "\"not-hex\" (expected: a serial number in hex");
        assertError(
                e,
                f.main(),
                ConfigFixture.line(text, "\"abc\""),
                "listeners[0].tls.deny.sha256-fingerprints[0]",
                "expected: a SHA-256 fingerprint");
        assertError(
                e,
                f.main(),
                ConfigFixture.line(text, "not a dn"),
                "listeners[0].tls.deny.subjects[0]",
                "expected: a distinguished name");
        assertError(
                e,
                f.main(),
                ConfigFixture.line(text, "relative/path"),
                "listeners[0].tls.deny.uri-sans[0]",
                "expected: an absolute URI");
        assertError(e, f.main(), ConfigFixture.line(text, "names"), "listeners[0].tls.deny.names", "");
        assertCount(6, e);
    }

    @Test
    void denyNeedsMtls() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = """
                listeners = [{
                  name = edge, port = 0
                  tls {
                    mode = tls
                    certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                    deny { serials = ["1a"] }
                  }
                }]
                """;
        List<ConfigError> e = f.errors(text);
        assertError(e, f.main(), 6, "listeners[0].tls.deny", "applies to mode = mtls only");
        assertCount(1, e);
    }
}
