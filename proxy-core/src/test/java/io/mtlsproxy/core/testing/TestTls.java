package io.mtlsproxy.core.testing;

import io.mtlsproxy.core.certs.Pem;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/** JDK SSLContexts for blocking test clients, from the test PKI's files. */
public final class TestTls {
    private TestTls() {}

    /** A client context trusting {@code caFile} and presenting {@code client} (null: no certificate). */
    public static SSLContext client(Path caFile, TestPki.Leaf client) {
        return client(caFile, client, false);
    }

    /**
     * Like {@link #client(Path, TestPki.Leaf)}, but {@code always} presents the certificate even when the server's
     * list of acceptable CAs does not name its issuer (the JDK would otherwise send none): how a test offers a
     * certificate the server cannot verify.
     */
    public static SSLContext client(Path caFile, TestPki.Leaf client, boolean always) {
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
                keys.setKeyEntry(
                        "client",
                        client.issued().privateKey(),
                        new char[0],
                        client.issued().chain().toArray(new X509Certificate[0]));
            }
            kmf.init(keys, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            var km = (javax.net.ssl.X509ExtendedKeyManager) kmf.getKeyManagers()[0];
            ctx.init(
                    new javax.net.ssl.KeyManager[] {always && client != null ? new AlwaysPresent(km) : km},
                    tmf.getTrustManagers(),
                    null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build a test client context", e);
        }
    }

    /** Presents the one client certificate whatever the server asks for. */
    private static final class AlwaysPresent extends javax.net.ssl.X509ExtendedKeyManager {
        private final javax.net.ssl.X509ExtendedKeyManager delegate;

        AlwaysPresent(javax.net.ssl.X509ExtendedKeyManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket s) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(
                String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
            return "client";
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket s) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public java.security.PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }
    }

    /**
     * The first record a JDK client sends, its ClientHello, with SNI {@code sni} (null: none) and ALPN {@code alpn}:
     * the raw bytes of a real hello, for tests that write them at their own pace or parse them.
     */
    public static byte[] clientHelloRecord(String sni, String... alpn) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, null, null);
        SSLEngine engine = ctx.createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        p.setApplicationProtocols(alpn);
        engine.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] record = new byte[out.remaining()];
        out.get(record);
        return record;
    }
}
