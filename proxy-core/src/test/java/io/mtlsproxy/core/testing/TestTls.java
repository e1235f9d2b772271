package io.mtlsproxy.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.mtlsproxy.core.pki.Pem;

/** JDK SSLContexts for blocking test clients, from the test PKI's files. */
public final class TestTls {
    private TestTls() {
    }

    /** A client context trusting {@code caFile} and presenting {@code client} (null: no certificate). */
    public static SSLContext client(Path caFile, TestPki.Leaf client) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate c : Pem.readCertificates(Files.readAllBytes(caFile))) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            if (client != null) {
                keys.setKeyEntry("client", client.issued().privateKey(), new char[0],
                        client.issued().chain().toArray(new X509Certificate[0]));
            }
            kmf.init(keys, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build a test client context", e);
        }
    }
}
