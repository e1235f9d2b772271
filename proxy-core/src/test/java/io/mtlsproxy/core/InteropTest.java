package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.NginxOrigin;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real tools on both sides: curl and openssl s_client as clients, nginx as TLS and mTLS origin. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InteropTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static NginxOrigin nginx;
    static ProxyServer proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir.resolve("pki"));
        nginx = NginxOrigin.start(dir.resolve("nginx"), fx.originCert, fx.proxyIdCa.certFile());
        proxy = fx.start(
                List.of(TestConfigs.listener(
                        "mtls", TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, true))),
                List.of(
                        TestConfigs.route("plain", "mtls")
                                .prefix("/plain")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        TestConfigs.route("ngx-tls", "mtls")
                                .prefix("/ngx-tls")
                                .endpoint(nginx.tlsPort())
                                .tls(fx.originCa.certFile())
                                .serverName("localhost")
                                .build(),
                        TestConfigs.route("ngx-mtls", "mtls")
                                .prefix("/ngx-mtls")
                                .endpoint(nginx.mtlsPort())
                                .mtls(fx.originCa.certFile(), fx.proxyId)
                                .serverName("localhost")
                                .build()));
        port = proxy.port("mtls");
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
        fx.close();
    }

    private static List<String> curl(boolean withCert, String path) {
        List<String> cmd = new ArrayList<>(List.of(
                ExternalProcess.binary("curl"),
                "-sS",
                "--max-time",
                "10",
                "--resolve",
                "localhost:" + port + ":127.0.0.1",
                "--cacert",
                fx.serverCa.certFile().toString()));
        if (withCert) {
            cmd.addAll(List.of(
                    "--cert",
                    fx.client.certFile().toString(),
                    "--key",
                    fx.client.keyFile().toString()));
        }
        cmd.addAll(List.of("-w", "\nstatus=%{http_code}\n", "https://localhost:" + port + path));
        return cmd;
    }

    @Test
    void curlWithAClientCertificateGetsThroughAndTheOriginSeesItsIdentity() throws Exception {
        var r = ExternalProcess.run(curl(true, "/plain/from-curl?q=1"), null, 20);
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("status=200"), r.stdout());
        Echo e = Echo.parse(r.stdout());
        assertEquals("/plain/from-curl?q=1", e.uri());
        assertTrue(e.header("X-Forwarded-Client-Cert").contains("Subject=\"CN=client-a"), r.stdout());
        assertEquals("https", e.header("X-Forwarded-Proto"));
    }

    @Test
    void curlWithoutAClientCertificateIsRefusedInTheHandshake() throws Exception {
        var r = ExternalProcess.run(curl(false, "/plain/x"), null, 20);
        assertNotEquals(0, r.exitCode(), r.stdout());
        assertTrue(!r.stdout().contains("status=200"), r.stdout());
    }

    @Test
    void opensslSClientSpeaksHttpThroughTheMtlsListener() throws Exception {
        var r = ExternalProcess.run(
                List.of(
                        ExternalProcess.binary("openssl"),
                        "s_client",
                        "-quiet",
                        "-connect",
                        "127.0.0.1:" + port,
                        "-servername",
                        "localhost",
                        "-CAfile",
                        fx.serverCa.certFile().toString(),
                        "-verify_return_error",
                        "-cert",
                        fx.client.certFile().toString(),
                        "-key",
                        fx.client.keyFile().toString()),
                "GET /plain/from-openssl HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                20);
        assertTrue(r.stdout().startsWith("HTTP/1.1 200 OK"), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("uri=/plain/from-openssl"), r.stdout());
    }

    @Test
    void nginxAsTlsOrigin() throws Exception {
        try (RawHttpClient c = fx.connect(proxy, "mtls", fx.client)) {
            RawHttpClient.Response r = c.get("localhost", "/ngx-tls/x");
            assertEquals(200, r.status(), r::text);
            assertEquals("nginx-tls dn=", r.text().trim());
        }
    }

    @Test
    void nginxAsMtlsOriginSeesTheRoutesClientIdentity() throws Exception {
        try (RawHttpClient c = fx.connect(proxy, "mtls", fx.client)) {
            RawHttpClient.Response r = c.get("localhost", "/ngx-mtls/x");
            assertEquals(200, r.status(), r::text);
            assertTrue(r.text().startsWith("nginx-mtls dn=CN=proxy-to-origin"), r.text() + nginx.output());
        }
    }
}
