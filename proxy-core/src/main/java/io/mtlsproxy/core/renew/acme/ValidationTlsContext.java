package io.mtlsproxy.core.renew.acme;

import io.mtlsproxy.core.tls.TlsProvider;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * The server side of a tls-alpn-01 validation (RFC 8737): presents the challenge's self-signed certificate,
 * selects ALPN {@code acme-tls/1} (only hellos offering it ever get here) and asks no client certificate,
 * whatever the listener's client-auth says: the validation server has none.
 */
final class ValidationTlsContext {
    static final String ACME_TLS_1 = "acme-tls/1";

    private ValidationTlsContext() {}

    static SslContext build(KeyPair key, X509Certificate certificate) throws SSLException {
        return SslContextBuilder.forServer(key.getPrivate(), certificate)
                .sslProvider(TlsProvider.provider())
                .protocols("TLSv1.3", "TLSv1.2")
                .clientAuth(ClientAuth.NONE)
                // the only failure behaviours BoringSSL supports; harmless, as only acme-tls/1 offers get here
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ACME_TLS_1))
                .build();
    }
}
