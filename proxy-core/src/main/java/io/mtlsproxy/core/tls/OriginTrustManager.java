package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.certs.SubjectAltName;
import io.mtlsproxy.core.identity.DnsNames;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.netty.util.NetUtil;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;

/**
 * A route's verdict on its origin's certificate: the chain against the route's own trust anchors, then the name
 * the route dialled (server-name, else the endpoint host; the engine's peer host) against the leaf's DNS or IP
 * SANs, then the origin's SPIFFE ID against {@code expected-uri-sans}. The common name is never consulted
 * (RFC 6125: SANs only), and a DNS wildcard covers exactly one label.
 */
final class OriginTrustManager extends OneSidedTrustManager {
    /** Origins have no configured depth; the same bound as OpenSSL's and Netty's default. */
    private static final int ORIGIN_VERIFY_DEPTH = 10;

    private final ChainVerifier verifier;
    private final boolean verifyHostname;
    private final List<String> expectedUriSans;

    OriginTrustManager(TrustAnchors anchors, boolean verifyHostname, List<String> expectedUriSans) {
        this.verifier = new ChainVerifier(
                requireNonNull(anchors, "anchors"), ChainVerifier.Purpose.SERVER, ORIGIN_VERIFY_DEPTH);
        this.verifyHostname = verifyHostname;
        this.expectedUriSans = List.copyOf(expectedUriSans);
    }

    @Override
    void checkServer(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        check(chain, engine == null ? null : engine.getPeerHost());
    }

    void check(X509Certificate[] chain, String host) throws CertificateRejectedException {
        verifier.verify(chain, Instant.now());
        X509Certificate leaf = chain[0];
        String subject = leaf.getSubjectX500Principal().getName();
        if (verifyHostname) {
            if (host == null || host.isEmpty()) {
                throw new CertificateRejectedException(
                        TlsFailureReason.HOSTNAME_MISMATCH,
                        "no host name to verify the origin certificate " + subject + " against",
                        subject);
            }
            checkHost(leaf, host, subject);
        }
        if (!expectedUriSans.isEmpty()) {
            List<String> uris = SubjectAltName.values(leaf, SubjectAltName.Kind.URI);
            for (String uri : uris) {
                if (expectedUriSans.contains(uri)) {
                    return;
                }
            }
            throw new CertificateRejectedException(
                    TlsFailureReason.HOSTNAME_MISMATCH,
                    "origin certificate " + subject + " has URI SANs " + uris + ", none of expected-uri-sans "
                            + expectedUriSans,
                    subject);
        }
    }

    /** The dialled name against the leaf's SANs of its kind; the messages are the JDK's own, as operators know them. */
    private static void checkHost(X509Certificate leaf, String host, String subject)
            throws CertificateRejectedException {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean ip = NetUtil.isValidIpV4Address(h) || NetUtil.isValidIpV6Address(h);
        List<String> sans = SubjectAltName.values(leaf, ip ? SubjectAltName.Kind.IP : SubjectAltName.Kind.DNS);
        String name = ip ? h : DnsNames.normalize(h);
        Predicate<String> matches =
                ip ? sameAddress(h) : pattern -> DnsNames.matches(DnsNames.normalize(pattern), name);
        if (sans.stream().noneMatch(matches)) {
            throw new CertificateRejectedException(
                    TlsFailureReason.HOSTNAME_MISMATCH,
                    (ip
                                    ? "No subject alternative names matching IP address "
                                    : "No subject alternative DNS name matching ")
                            + name + " found in origin certificate " + subject + (ip ? " (IP SANs: " : " (DNS SANs: ")
                            + sans + ")",
                    subject);
        }
    }

    private static Predicate<String> sameAddress(String ip) {
        byte[] wanted = NetUtil.createByteArrayFromIpAddressString(ip);
        return san -> Arrays.equals(NetUtil.createByteArrayFromIpAddressString(san), wanted);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
