package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener's {@code tls.crl} as an {@code http://} URL; any other scheme is an error at its line. */
class CrlUrlConfigTest {
    @TempDir
    Path dir;

    private static final String LISTENER = """
            listeners = [{
              name = edge, port = 0
              tls {
                mode = mtls
                client-ca = "pki/clients-ca.crt"
                certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                crl = "%s"
              }
            }]
            """;

    @Test
    void anHttpUrlIsACrlUrlNotAFile() throws Exception {
        ListenerTls tls = new ConfigFixture(dir)
                .load(LISTENER.formatted("http://crl.example:8080/edge.crl"))
                .listeners()
                .get(0)
                .tls();
        assertEquals(
                URI.create("http://crl.example:8080/edge.crl"),
                tls.crlUrl().orElseThrow().url());
        assertEquals("listeners[0].tls.crl", tls.crlUrl().orElseThrow().key());
        assertTrue(tls.crl().isEmpty());
    }

    @Test
    void otherSchemesAndHostlessUrlsAreErrorsAtTheirLine() {
        ConfigFixture f = new ConfigFixture(dir);
        for (String bad : List.of("https://crl.example/edge.crl", "ldap://crl.example/cn=x", "http:///edge.crl")) {
            String text = LISTENER.formatted(bad);
            List<ConfigError> e = f.errors(text);
            assertError(
                    e,
                    f.main(),
                    ConfigFixture.line(text, "crl ="),
                    "listeners[0].tls.crl",
                    "(expected: a file or an http:// URL with a host)");
            assertEquals(1, e.stream().filter(x -> x.key().endsWith(".crl")).count(), e::toString);
        }
    }
}
