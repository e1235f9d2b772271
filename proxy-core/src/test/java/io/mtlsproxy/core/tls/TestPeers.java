package io.mtlsproxy.core.tls;

import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;

/** The other side of our handshakes: clients and origins built straight from Netty, not from our classes. */
final class TestPeers {
    private TestPeers() {}

    /** Every provider available here: the tests of the core stories run on each. */
    static Stream<SslProvider> providers() {
        List<SslProvider> out = new ArrayList<>();
        if (OpenSsl.isAvailable()) {
            out.add(SslProvider.OPENSSL);
        }
        out.add(SslProvider.JDK);
        return out.stream();
    }

    /** The provider for peers that must speak what the JDK refuses (e.g. TLS 1.1). */
    static SslProvider lenientProvider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** A client trusting {@code serverCa} and presenting {@code identity} (when not null) whatever CA names the
     *  server asks for, as curl or openssl s_client do with --cert. */
    static SslContext client(SslProvider provider, Path serverCa, IssuedCertificate identity, String... protocols)
            throws SSLException {
        // trusts the CA, checks no name: these peers test the server's side
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(provider)
                .trustManager(serverCa.toFile())
                .endpointIdentificationAlgorithm(null);
        if (identity != null) {
            b.keyManager(presenting(identity));
        }
        if (protocols.length > 0) {
            b.protocols(protocols);
        }
        return b.build();
    }

    static SslContext client(SslProvider provider, Path serverCa, TestPki.Leaf identity, String... protocols)
            throws SSLException {
        return client(provider, serverCa, identity == null ? null : identity.issued(), protocols);
    }

    /** An origin presenting {@code leaf}; with {@code clientCa} it requires a client certificate from that CA. */
    static SslContext origin(TestPki.Leaf leaf, Path clientCa) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(
                        leaf.issued().privateKey(), leaf.issued().chain().toArray(X509Certificate[]::new))
                .sslProvider(lenientProvider());
        if (clientCa != null) {
            b.trustManager(clientCa.toFile()).clientAuth(io.netty.handler.ssl.ClientAuth.REQUIRE);
        }
        return b.build();
    }

    /**
     * A client certificate issued by a new intermediate CA under {@code root}, its files holding leaf and
     * intermediate (what a client sends). Built here because CertificateAuthority#intermediate does not record the
     * root above an intermediate, so its leaves would carry no intermediate.
     */
    static TestPki.Leaf viaIntermediate(TestPki.Ca root, String intermediate, String cn, Path dir) throws Exception {
        TestPki.Ca sub = root.intermediate(intermediate);
        IssuedCertificate issued = sub.authority()
                .issue(io.mtlsproxy.core.ca.CertificateSpec.client(cn).build());
        IssuedCertificate chained = new IssuedCertificate(
                issued.certificate(),
                issued.privateKey(),
                List.of(sub.authority().certificate()));
        Path cert = dir.resolve(cn + ".crt");
        Path key = dir.resolve(cn + ".key");
        io.mtlsproxy.core.certs.Pem.writePublic(cert, chained.chain());
        io.mtlsproxy.core.certs.Pem.writeKey(key, chained.privateKey());
        return new TestPki.Leaf(chained, cert, key);
    }

    static X509ExtendedKeyManager presenting(IssuedCertificate identity) {
        X509Certificate[] chain = identity.chain().toArray(X509Certificate[]::new);
        PrivateKey key = identity.privateKey();
        return new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"client"};
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return "client";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return "client";
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return chain.clone();
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return key;
            }
        };
    }
}
