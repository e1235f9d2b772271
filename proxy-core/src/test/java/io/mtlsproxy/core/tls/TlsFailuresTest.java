package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mtlsproxy.core.identity.TlsFailureReason;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Exceptions and alerts from BoringSSL, the JDK and Netty, mapped to the reasons /tls/failures shows. */
class TlsFailuresTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "error:1000045c:SSL routines:OPENSSL_internal:TLSV13_ALERT_CERTIFICATE_REQUIRED | NO_CLIENT_CERT",
                "error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE | NO_CLIENT_CERT",
                "Empty client certificate chain | NO_CLIENT_CERT",
                "error:1000007d:SSL routines:OPENSSL_internal:NO_PROTOCOLS_AVAILABLE | PROTOCOL_VERSION",
                "error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL | PROTOCOL_VERSION",
                "Client requested protocol TLSv1.1 is not enabled or supported in server context | PROTOCOL_VERSION",
                "No appropriate protocol (protocol is disabled or cipher suites are inappropriate) | PROTOCOL_VERSION",
                "error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA | UNKNOWN_CA",
                "PKIX path building failed: unable to find valid certification path to requested target | UNKNOWN_CA",
                "error:10000415:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED | EXPIRED",
                "error:10000414:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_REVOKED | REVOKED",
                "error:10000412:SSL routines:OPENSSL_internal:SSLV3_ALERT_BAD_CERTIFICATE | BAD_CERTIFICATE",
                "No subject alternative DNS name matching orders.internal found. | HOSTNAME_MISMATCH",
                "No name matching orders.internal found | HOSTNAME_MISMATCH",
                "handshake timed out after 10000ms | TIMEOUT",
                "Connection reset by peer | OTHER",
            })
    void messages(String message, TlsFailureReason expected) {
        assertEquals(expected, TlsFailures.classify(new SSLHandshakeException(message)));
    }

    @Test
    void typesWinOverMessagesAndCausesAreWalked() {
        SSLException outer = new SSLHandshakeException("General OpenSslEngine problem");
        outer.initCause(
                new CertificateRejectedException(TlsFailureReason.REVOKED, "bad_certificate-looking text", "CN=x"));
        assertEquals(TlsFailureReason.REVOKED, TlsFailures.classify(outer));
        assertEquals("CN=x", TlsFailures.peerSubject(outer));
        assertEquals("bad_certificate-looking text", TlsFailures.detail(outer));

        assertEquals(TlsFailureReason.TIMEOUT, TlsFailures.classify(new SslHandshakeTimeoutException("x")));
        assertEquals(TlsFailureReason.EXPIRED, TlsFailures.classify(new SSLHandshakeException("x") {
            {
                initCause(new CertificateExpiredException("y"));
            }
        }));
        assertEquals(
                TlsFailureReason.NOT_YET_VALID,
                TlsFailures.classify(new CertPathValidatorException(
                        "z", null, null, -1, CertPathValidatorException.BasicReason.NOT_YET_VALID)));
        assertEquals(TlsFailureReason.OTHER, TlsFailures.classify(null));
    }
}
