package io.mtlsproxy.core.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager for one side of a handshake: a listener's verifies its clients, a route's its origin. The JDK
 * asks through three overloads per side; here each side is one method, given the engine when there is one, and
 * the side a subclass does not verify refuses, so that a manager put on the wrong side fails closed.
 */
abstract class OneSidedTrustManager extends X509ExtendedTrustManager {
    /** Verifies a client's chain ({@code engine} null when the JDK names none); refuses unless overridden. */
    void checkClient(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        throw new CertificateException(getClass().getSimpleName() + " does not verify clients");
    }

    /** Verifies a server's chain ({@code engine} null when the JDK names none); refuses unless overridden. */
    void checkServer(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        throw new CertificateException(getClass().getSimpleName() + " does not verify servers");
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClient(chain, engine);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServer(chain, engine);
    }

    // without an engine (a socket, or none): no session to record a verdict in, no peer host to check

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClient(chain, null);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClient(chain, null);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkServer(chain, null);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServer(chain, null);
    }
}
