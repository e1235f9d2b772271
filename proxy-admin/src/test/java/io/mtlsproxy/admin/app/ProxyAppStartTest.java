package io.mtlsproxy.admin.app;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code run} validates the key material before it binds anything, the admin endpoint included. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyAppStartTest {
    @TempDir
    Path dir;

    @Test
    void aKeyThatIsNotTheCertificatesIsReportedBeforeTheAdminPortIsTried() throws Exception {
        CertificateAuthority ca = CertificateAuthority.createRoot("edge", Duration.ofDays(30), KeyAlgorithm.EC_P256);
        IssuedCertificate server =
                ca.issue(CertificateSpec.server("edge").dns("localhost").build());
        IssuedCertificate other =
                ca.issue(CertificateSpec.server("other").dns("localhost").build());
        Pem.writePublic(dir.resolve("server.crt"), server.chain());
        Pem.writeKey(dir.resolve("server.key"), other.privateKey()); // the wrong key
        try (ServerSocket busy = new ServerSocket()) {
            // the admin port is taken, as by a proxy still running: the operator must still hear about the key
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Path file = dir.resolve("proxy.conf");
            Files.writeString(file, """
                    admin { bind = "127.0.0.1", port = %d }
                    access-log = off
                    reload.watch = false
                    listeners = [{ name = edge, bind = "127.0.0.1", port = 0, tls {
                      mode = tls, certificates = [{ cert = "server.crt", key = "server.key" }] } }]
                    routes = [{ name = app, listener = edge, upstream.endpoints = ["127.0.0.1:9"] }]
                    """.formatted(busy.getLocalPort()));
            ConfigException e = assertThrows(
                    ConfigException.class, () -> ProxyApp.start(file).close());
            assertTrue(e.errors().stream().anyMatch(x -> x.toString().contains("server.key")), e.errors()::toString);
        }
    }
}
