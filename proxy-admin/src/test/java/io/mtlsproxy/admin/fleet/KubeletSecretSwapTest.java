package io.mtlsproxy.admin.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.admin.testing.KubeletSecretVolume;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * cert-manager renews, the kubelet swaps the Secret volume's {@code ..data} symlink, and the proxy's file watch
 * reloads: new handshakes get the renewed certificate with no restart and no signal.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubeletSecretSwapTest {
    @TempDir
    Path dir;

    private TestOrigin origin;
    private ProxyApp app;

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    private static Map<String, Path> secret(TestPki.Leaf leaf, TestPki.Ca ca) {
        return Map.of("tls.crt", leaf.certFile(), "tls.key", leaf.keyFile(), "ca.crt", ca.certFile());
    }

    @Test
    void aDataSymlinkSwapIsPickedUpByTheFileWatch() throws Exception {
        origin = TestOrigin.plain("origin");
        TestPki pki = new TestPki(dir.resolve("issuer"));
        TestPki.Ca ca = pki.ca("cluster-issuer");
        TestPki.Ca clients = pki.ca("clients");
        KubeletSecretVolume volume =
                KubeletSecretVolume.mount(dir.resolve("etc/mtls-proxy/tls"), secret(ca.server("edge"), ca));
        KubeletSecretVolume clientCa = KubeletSecretVolume.mount(
                dir.resolve("etc/mtls-proxy/client-ca"), Map.of("ca.crt", clients.certFile()));
        Path conf = dir.resolve("etc/mtls-proxy/proxy.conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = true, interval = 1s }
                access-log = "off"
                listeners = [{
                  name = edge, bind = "127.0.0.1", port = 0
                  tls {
                    mode = mtls
                    certificates = [{ cert = "tls/tls.crt", key = "tls/tls.key" }]
                    client-ca = "client-ca/ca.crt"
                  }
                }]
                routes = [{ name = main, listener = edge, upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(origin.port()));
        app = ProxyApp.start(conf);
        int port = app.port("edge");
        SSLContext client = TestTls.client(ca.certFile(), clients.client("kubelet-test"));
        BigInteger first = served(port, client).getSerialNumber();

        TestPki.Leaf renewed = ca.server("edge-renewed");
        volume.update(secret(renewed, ca));
        assertTrue(Files.isSymbolicLink(volume.dir().resolve("tls.crt")), "the named file is still the same link");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        BigInteger now = first;
        while (now.equals(first) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = served(port, client).getSerialNumber();
        }
        assertNotEquals(first, now, "the renewed certificate is served without a restart");
        assertEquals(renewed.serial(), now);
        try (RawHttpClient c = RawHttpClient.connectTls(port, client, "localhost")) {
            assertEquals(200, c.get("localhost", "/").status(), "and requests flow");
        }
        assertTrue(clientCa.dir().resolve("..data").toFile().exists());
    }

    private static X509Certificate served(int port, SSLContext client) throws Exception {
        try (RawHttpClient c = RawHttpClient.connectTls(port, client, "localhost")) {
            return c.serverCertificate();
        }
    }
}
