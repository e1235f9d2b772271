package io.mtlsproxy.core.renew.acme;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * What an ACME validation server does on tls-alpn-01 (RFC 8737): a handshake offering ALPN {@code acme-tls/1} with
 * an SNI name, trusting any certificate (it checks the acmeIdentifier itself), presenting none. Records whether the
 * server asked for a client certificate and whether anything follows the handshake.
 */
final class AlpnProbe {
    /** {@code certificate} null when the handshake failed (the connection was refused). */
    record Result(
            X509Certificate certificate,
            String protocol,
            boolean clientCertificateRequested,
            boolean closedAfterHandshake,
            Exception failure) {}

    private AlpnProbe() {}

    static Result probe(int port, String sni, String... alpn) throws Exception {
        AtomicBoolean asked = new AtomicBoolean();
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(
                new javax.net.ssl.KeyManager[] {new Recording(asked)},
                new javax.net.ssl.TrustManager[] {new TrustAll()},
                null);
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", port, false);
            s.setSoTimeout(5000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            p.setApplicationProtocols(alpn);
            s.setSSLParameters(p);
            try {
                s.startHandshake();
            } catch (IOException e) {
                return new Result(null, null, asked.get(), true, e);
            }
            X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
            String protocol = s.getApplicationProtocol();
            boolean closed;
            try {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                closed = in.read() < 0;
            } catch (java.net.SocketTimeoutException e) {
                closed = false; // the connection stayed open
            } catch (IOException e) {
                closed = true; // reset after close_notify: nothing came back either
            }
            return new Result(cert, protocol, asked.get(), closed, null);
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** Presents nothing; notes that the server asked. */
    private static final class Recording extends X509ExtendedKeyManager {
        private final AtomicBoolean asked;

        Recording(AtomicBoolean asked) {
            this.asked = asked;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            asked.set(true);
            return null;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            asked.set(true);
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return null;
        }
    }
}
