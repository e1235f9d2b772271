package io.mtlsproxy.bench;

import io.mtlsproxy.bench.load.ClientTls;
import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.scenario.Hop;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The load generator's TLS contexts, built once per run: TLS or mTLS inbound, TLS 1.3 or 1.2, and for the HTTP/2
 * rows TLS 1.3 offering only h2 by ALPN.
 */
record ClientContexts(
        SslContext tls13, SslContext mtls13, SslContext tls12, SslContext mtls12, SslContext tlsH2, SslContext mtlsH2)
        implements AutoCloseable {
    static ClientContexts create(BenchPki pki) throws SSLException {
        Optional<ClientTls.Identity> cert = Optional.of(new ClientTls.Identity(pki.loaderCert(), pki.loaderKey()));
        return new ClientContexts(
                ClientTls.create("TLSv1.3", pki.edgeCa(), Optional.empty()),
                ClientTls.create("TLSv1.3", pki.edgeCa(), cert),
                ClientTls.create("TLSv1.2", pki.edgeCa(), Optional.empty()),
                ClientTls.create("TLSv1.2", pki.edgeCa(), cert),
                ClientTls.create("TLSv1.3", pki.edgeCa(), Optional.empty(), true),
                ClientTls.create("TLSv1.3", pki.edgeCa(), cert, true));
    }

    /** The TLS 1.3 context offering only h2, for an encrypted inbound hop (h2 is chosen by ALPN: no plain h2c). */
    SslContext forHttp2(Hop inbound) {
        return switch (inbound) {
            case PLAIN -> throw new IllegalArgumentException("inbound: plain (expected: tls or mtls for HTTP/2)");
            case TLS -> tlsH2;
            case MTLS -> mtlsH2;
        };
    }

    /** The context for an inbound hop (none for plain) offering only {@code protocol}. */
    Optional<SslContext> forInbound(Hop inbound, String protocol) {
        boolean v13 = protocol.equals("TLSv1.3");
        return switch (inbound) {
            case PLAIN -> Optional.empty();
            case TLS -> Optional.of(v13 ? tls13 : tls12);
            case MTLS -> Optional.of(v13 ? mtls13 : mtls12);
        };
    }

    @Override
    public void close() {
        ReferenceCountUtil.release(tls13);
        ReferenceCountUtil.release(mtls13);
        ReferenceCountUtil.release(tls12);
        ReferenceCountUtil.release(mtls12);
        ReferenceCountUtil.release(tlsH2);
        ReferenceCountUtil.release(mtlsH2);
    }
}
