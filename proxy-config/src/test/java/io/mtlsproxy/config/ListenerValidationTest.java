package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Problems inside one listener (and the top-level blocks), each reported at the line of its key. */
class ListenerValidationTest {
    @TempDir
    Path dir;

    private ConfigFixture f;

    private List<ConfigError> errors(String text) {
        f = new ConfigFixture(dir);
        return f.errors(text);
    }

    @Test
    void wrongTypeOfPort() {
        String text = """
                listeners = [{
                  name = edge
                  port = "abc"
                }]
                """;
        List<ConfigError> e = errors(text);
        assertCount(1, e);
        ConfigError err = assertError(e, f.main(), 3, "listeners[0].port", "\"abc\" (expected: a number 0..65535)");
        org.junit.jupiter.api.Assertions.assertEquals(
                f.main() + ":3: listeners[0].port: \"abc\" (expected: a number 0..65535)", err.toString());
    }

    @Test
    void outOfRangeValues() {
        String text = """
                listeners = [{
                  name = edge
                  port = 70000
                  tls {
                    mode = mtls
                    client-ca = "pki/clients-ca.crt"
                    certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                    verify-depth = 0
                  }
                  limits {
                    max-connections = 0
                    max-header-size = 0
                    max-body-size = -5
                    idle-timeout = 0s
                  }
                }]
                """;
        List<ConfigError> e = errors(text);
        assertError(e, f.main(), 3, "listeners[0].port", "70000 (expected: 0..65535)");
        assertError(e, f.main(), 8, "listeners[0].tls.verify-depth", "0 (expected: 1..10)");
        assertError(e, f.main(), 11, "listeners[0].limits.max-connections", "0 (expected: of at least 1)");
        assertError(e, f.main(), 12, "listeners[0].limits.max-header-size", "expected: a size greater than 0");
        assertError(e, f.main(), 13, "listeners[0].limits.max-body-size", "expected: a size");
        assertError(e, f.main(), 14, "listeners[0].limits.idle-timeout", "0s (expected: at least 1ms)");
        assertCount(6, e);
    }

    @Test
    void badDurationAndSize() {
        String text = """
                listeners = [{ name = edge, port = 0
                  limits {
                    handshake-timeout = 10
                    request-header-timeout = "soon"
                    max-header-size = 16q
                  }
                }]
                """;
        List<ConfigError> e = errors(text);
        assertError(e, f.main(), 3, "listeners[0].limits.handshake-timeout", "10 (expected: a duration with a unit");
        assertError(e, f.main(), 4, "listeners[0].limits.request-header-timeout", "\"soon\" (expected: a duration");
        assertError(e, f.main(), 5, "listeners[0].limits.max-header-size", "(expected: a size such as 16k");
        assertCount(3, e);
    }

    @Test
    void enumValueListsWhatIsExpected() {
        String text = """
                listeners = [{ name = edge, port = 0
                  tls {
                    mode = mtsl
                  }
                }]
                """;
        List<ConfigError> e = errors(text);
        assertError(
                e,
                f.main(),
                3,
                "listeners[0].tls.mode",
                "\"mtsl\" (expected: one of none, tls, mtls)" + " (did you mean `mtls`?)");
        assertCount(1, e);
    }

    @Test
    void protocolsOnlyTls12And13() {
        String text = """
                listeners = [{ name = edge, port = 0
                  tls {
                    mode = tls
                    certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                    protocols = [
                      "TLSv1.3",
                      "TLSv1.1"
                    ]
                  }
                }]
                """;
        List<ConfigError> e = errors(text);
        assertError(e, f.main(), 7, "listeners[0].tls.protocols[1]", "\"TLSv1.1\" (expected: TLSv1.3 or TLSv1.2");
        assertCount(1, e);
    }

    @Test
    void mtlsWithoutClientCaAndTlsWithoutCertificates() {
        String text = """
                listeners = [
                  { name = a, port = 0
                    tls {
                      mode = mtls
                      certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                    } }
                  { name = b, port = 0
                    tls {
                      mode = tls
                    } }
                  { name = c, port = 0
                    tls {
                      mode = tls
                      certificates = []
                    } }
                ]
                """;
        List<ConfigError> e = errors(text);
        assertError(e, f.main(), 4, "listeners[0].tls.client-ca", "missing (expected: the CA bundle");
        assertError(e, f.main(), 9, "listeners[1].tls.certificates", "missing (expected: at least one");
        assertError(e, f.main(), 14, "listeners[2].tls.certificates", "empty (expected: at least one");
        assertCount(3, e);
    }

    @Test
    void certificateEntriesNeedExactlyOneForm() {
        String text = """
                listeners = [{ name = edge, port = 0
                  tls {
                    mode = tls
                    certificates = [
                      { cert = "pki/server.crt", key = "pki/server.key", keystore = "pki/proxy.p12" }
                      { cert = "pki/other.crt" }
                      { key = "pki/other.key" }
                      { keystore-password = "x" }
                    ]
                  }
                }]
                """;
        List<ConfigError> e = errors(text);
        assertError(
                e,
                f.main(),
                5,
                "listeners[0].tls.certificates[0].keystore",
                "(expected: either cert + key, or keystore, not both)");
        assertError(e, f.main(), 6, "listeners[0].tls.certificates[1].key", "missing (expected: the private key");
        assertError(e, f.main(), 7, "listeners[0].tls.certificates[2].cert", "missing (expected: the certificate");
        assertError(e, f.main(), 8, "listeners[0].tls.certificates[3].keystore-password", "given without keystore");
        assertCount(4, e);
    }

    @Test
    void missingAndNonRegularFiles() throws Exception {
        f = new ConfigFixture(dir);
        Files.createDirectories(dir.resolve("pki/adir"));
        String text = """
                listeners = [{ name = edge, port = 0
                  tls {
                    mode = mtls
                    certificates = [{ cert = "pki/nope.crt", key = "pki/server.key" }]
                    client-ca = "pki/adir"
                    crl = "/definitely/not/here/crl.pem"
                  }
                }]
                """;
        List<ConfigError> e = f.errors(text);
        assertError(
                e,
                f.main(),
                4,
                "listeners[0].tls.certificates[0].cert",
                "no such file: " + dir.resolve("pki/nope.crt"));
        assertError(e, f.main(), 5, "listeners[0].tls.client-ca", "not a regular file");
        assertError(e, f.main(), 6, "listeners[0].tls.crl", "no such file: /definitely/not/here/crl.pem");
        assertCount(3, e);
    }

    @Test
    void unreadableFile() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root reads every file");
        f = new ConfigFixture(dir);
        Files.setPosixFilePermissions(dir.resolve("pki/server.key"), PosixFilePermissions.fromString("---------"));
        List<ConfigError> e = f.errors("""
                listeners = [{ name = edge, port = 0
                  tls { mode = tls, certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }] } }]
                """);
        assertError(e, f.main(), 2, "listeners[0].tls.certificates[0].key", "cannot be read (permission denied)");
    }

    @Test
    void mtlsOnlyKeysOnATlsListenerAndCertificatesOnAPlainOne() {
        String text = """
                listeners = [
                  { name = a, port = 0
                    tls {
                      mode = tls
                      certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                      client-ca = "pki/clients-ca.crt"
                      verify-depth = 3
                    } }
                  { name = b, port = 0
                    tls {
                      mode = none
                      certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                    } }
                ]
                """;
        List<ConfigError> e = errors(text);
        assertError(e, f.main(), 6, "listeners[0].tls.client-ca", "applies to mode = mtls only");
        assertError(e, f.main(), 7, "listeners[0].tls.verify-depth", "applies to mode = mtls only");
        assertError(e, f.main(), 12, "listeners[1].tls.certificates", "given with mode = none");
        assertCount(3, e);
    }

    @Test
    void topLevelBlocks() {
        String text = """
                admin { port = 99999 }
                expiry {
                  warn-before = 7d
                  critical-before = 14d
                }
                reload { interval = 500ms }
                access-log = "no/such/dir/access.log"
                listeners = [{ name = "bad name", port = 0, bind = "not an ip" }]
                """;
        List<ConfigError> e = errors(text);
        assertError(e, f.main(), 1, "admin.port", "99999 (expected: 0..65535)");
        assertError(
                e,
                f.main(),
                4,
                "expiry.critical-before",
                "14d is not before warn-before 7d" + " (expected: critical-before < warn-before)");
        assertError(e, f.main(), 6, "reload.interval", "500ms (expected: at least 1s)");
        assertError(e, f.main(), 7, "access-log", "no such directory");
        assertError(e, f.main(), 8, "listeners[0].name", "\"bad name\" (expected: letters, digits");
        assertError(e, f.main(), 8, "listeners[0].bind", "\"not an ip\" (expected: an IP address");
        assertCount(6, e);
    }

    @Test
    void noListeners() {
        List<ConfigError> e = errors("admin.port = 0\n");
        assertError(e, f.main(), 1, "listeners", "missing (expected: listeners = [");
        e = errors("\nlisteners = []\n");
        assertError(e, f.main(), 2, "listeners", "empty (expected: at least one listener)");
        e = errors("listeners = { name = a }\n");
        assertError(e, f.main(), 1, "listeners", "an object (expected: a list");
    }
}
