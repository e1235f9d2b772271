package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener's {@code tls.ocsp} block: its values, its defaults, and every mistake at its line, all at once. */
class OcspConfigTest {
    @TempDir
    Path dir;

    private static final String LISTENER = """
            listeners = [{
              name = edge, port = 0
              tls {
                mode = %s
                client-ca = "pki/clients-ca.crt"
                certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                ocsp {
            %s
                }
              }
            }]
            """;

    private static String listener(String mode, String ocsp) {
        String text = LISTENER.formatted(mode, ocsp);
        return mode.equals("mtls") ? text : text.replace("    client-ca = \"pki/clients-ca.crt\"\n", "");
    }

    @Test
    void theBlockIsRead() throws Exception {
        ListenerTls tls = new ConfigFixture(dir)
                .load(listener(
                        "mtls", "stapling = true\nclient-check = hard\nresponder = \"http://ocsp.example:8080/\""))
                .listeners()
                .get(0)
                .tls();
        assertEquals(
                new OcspSettings(true, OcspCheck.HARD, Optional.of(URI.create("http://ocsp.example:8080/"))),
                tls.ocsp());
    }

    @Test
    void withoutTheBlockNothingOfOcspIsOn() throws Exception {
        ListenerTls tls = new ConfigFixture(dir)
                .load(listener("mtls", "").replace("    ocsp {\n\n    }\n", ""))
                .listeners()
                .get(0)
                .tls();
        assertEquals(OcspSettings.OFF, tls.ocsp());
        assertFalse(tls.ocsp().used());
    }

    @Test
    void aResponderThatIsNotHttpABadCheckAndClientCheckWithoutMtlsAreErrorsAtTheirLines() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = listener("tls", "responder = \"https://ocsp.example/\"\nclient-check = strict\nstaple = true");
        List<ConfigError> e = f.errors(text);
        assertError(
                e,
                f.main(),
                ConfigFixture.line(text, "responder ="),
                "listeners[0].tls.ocsp.responder",
                "(expected: an http:// URL with a host, or \"\")");
        assertError(
                e, f.main(), ConfigFixture.line(text, "client-check ="), "listeners[0].tls.ocsp.client-check", "off");
        assertTrue(e.stream().anyMatch(x -> x.key().equals("listeners[0].tls.ocsp.staple")), e::toString);

        String soft = listener("tls", "client-check = soft");
        assertError(
                f.errors(soft),
                f.main(),
                ConfigFixture.line(soft, "ocsp {"),
                "listeners[0].tls.ocsp",
                "client-check applies to mode = mtls only");
    }
}
