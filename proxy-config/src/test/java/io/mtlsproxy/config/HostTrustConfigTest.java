package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener's {@code tls.hosts}: read, and every bad group (a name claimed twice, a bad name) at its line. */
class HostTrustConfigTest {
    @TempDir
    Path dir;

    private static final String LISTENER = """
            listeners = [{
              name = edge, port = 0
              tls {
                mode = %s
                client-ca = "pki/clients-ca.crt"
                certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                hosts = [
            %s
                ]
              }
            }]
            """;

    @Test
    void groupsAreRead() throws Exception {
        ListenerTls tls = new ConfigFixture(dir)
                .load(LISTENER.formatted("mtls", """
                  { names = ["Tenant-A.example.com", "*.a.example.com"], client-ca = "pki/clients-ca.crt",
                    client-auth = optional, crl = "http://crl.example/a.crl", deny { serials = ["0a"] } }
                  { names = ["tenant-b.example.com"], client-ca = "pki/clients-ca.crt" }
                """))
                .listeners()
                .get(0)
                .tls();
        assertEquals(2, tls.hosts().size());
        HostTrust a = tls.hosts().get(0);
        assertEquals(List.of("tenant-a.example.com", "*.a.example.com"), a.names());
        assertEquals(ClientAuth.OPTIONAL, a.clientAuth());
        assertEquals(
                URI.create("http://crl.example/a.crl"), a.crlUrl().orElseThrow().url());
        assertEquals(Set.of("a"), a.deny().serials());
        assertEquals(ClientAuth.REQUIRED, tls.hosts().get(1).clientAuth());
    }

    @Test
    void aNameClaimedTwiceABadNameAndAMissingCaAreErrorsAtTheirLines() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = LISTENER.formatted("mtls", """
                  { names = ["tenant-a.example.com"], client-ca = "pki/clients-ca.crt" }
                  { names = ["TENANT-A.example.com"], client-ca = "pki/clients-ca.crt" }
                  { names = ["bad name:443"] }
                """);
        List<ConfigError> e = f.errors(text);
        assertError(
                e,
                f.main(),
                ConfigFixture.line(text, "TENANT-A"),
                "listeners[0].tls.hosts[1].names[0]",
                "\"tenant-a.example.com\" is already in listeners[0].tls.hosts[0]");
        assertError(
                e,
                f.main(),
                ConfigFixture.line(text, "bad name"),
                "listeners[0].tls.hosts[2].names[0]",
                "(expected: a host name");
        assertError(
                e, f.main(), ConfigFixture.line(text, "bad name"), "listeners[0].tls.hosts[2].client-ca", "missing");
    }

    @Test
    void hostsNeedModeMtls() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = LISTENER.formatted("tls", """
                  { names = ["tenant-a.example.com"], client-ca = "pki/clients-ca.crt" }
                """)
                .replace("client-ca = \"pki/clients-ca.crt\"\n    certificates", "certificates");
        List<ConfigError> e = f.errors(text);
        assertError(e, f.main(), ConfigFixture.line(text, "hosts ="), "listeners[0].tls.hosts", "mode = mtls only");
    }
}
