package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ServerTls#sameClientTrust}: what lets a reload skip re-verifying open connections. Two builds of the same
 * material judge alike; a new CRL, another CA or another client-auth does not.
 */
class ClientTrustDigestTest {
    @TempDir
    Path dir;

    @Test
    void onlyAChangeOfTrustMaterialCounts() throws Exception {
        TestPki pki = new TestPki(dir);
        TestPki.Ca serverCa = pki.ca("server");
        TestPki.Ca clientCa = pki.ca("clients");
        TestPki.Leaf server = serverCa.server("edge", "localhost");
        TestPki.Leaf client = clientCa.client("client");
        Path crl = dir.resolve("clients.crl");
        Files.copy(clientCa.crl(), crl);
        ListenerConfig listener = TestConfigs.mtls(
                "edge", ClientAuth.REQUIRED, clientCa.certFile(), crl, 2, TestConfigs.pem("edge", 0, server));

        ServerTls first = ServerTls.build(listener);
        assertTrue(first.sameClientTrust(ServerTls.build(listener)), "the same files again");
        assertTrue(
                first.sameClientTrust(ServerTls.build(TestConfigs.mtls(
                        "edge",
                        ClientAuth.REQUIRED,
                        clientCa.certFile(),
                        crl,
                        2,
                        TestConfigs.pem("edge", 0, serverCa.server("renewed", "localhost"))))),
                "a new server certificate does not change who gets in");

        Files.copy(clientCa.crl(client), crl, StandardCopyOption.REPLACE_EXISTING);
        assertFalse(first.sameClientTrust(ServerTls.build(listener)), "a CRL that revokes someone");
        assertFalse(first.sameClientTrust(ServerTls.build(TestConfigs.mtls(
                "edge", ClientAuth.OPTIONAL, clientCa.certFile(), crl, 2, TestConfigs.pem("edge", 0, server)))));
        assertFalse(first.sameClientTrust(ServerTls.build(TestConfigs.mtls(
                "edge",
                ClientAuth.REQUIRED,
                pki.ca("other-clients").certFile(),
                null,
                2,
                TestConfigs.pem("edge", 0, server)))));
    }
}
