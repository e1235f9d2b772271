package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A listener's TLS settings. {@code certificates} are chosen by SNI against each certificate's SANs; the first
 * is the default. {@code clientCa}, {@code crl} (a file) or {@code crlUrl} (at most one of the two) and
 * {@code deny} are used in mode {@link TlsMode#MTLS} only, as is {@code hosts}: SNI names whose client trust is
 * their group's instead of the listener's;
 * {@code closeRevoked}: a reload that revokes or denies a connected client closes its connections;
 * {@code ocsp}: stapling (any TLS mode) and client checking (mtls only).
 */
public record ListenerTls(
        TlsMode mode,
        ClientAuth clientAuth,
        List<KeyMaterial> certificates,
        Optional<FileRef> clientCa,
        Optional<FileRef> crl,
        int verifyDepth,
        List<String> protocols,
        boolean sniHostCheck,
        DenyList deny,
        boolean closeRevoked,
        Optional<CrlUrl> crlUrl,
        List<HostTrust> hosts,
        OcspSettings ocsp) {
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    public static final int DEFAULT_VERIFY_DEPTH = 2;

    public ListenerTls {
        requireNonNull(mode, "mode");
        requireNonNull(clientAuth, "clientAuth");
        certificates = List.copyOf(requireNonNull(certificates, "certificates"));
        requireNonNull(clientCa, "clientCa");
        requireNonNull(crl, "crl");
        protocols = List.copyOf(requireNonNull(protocols, "protocols"));
        requireNonNull(deny, "deny");
        requireNonNull(crlUrl, "crlUrl");
        hosts = List.copyOf(requireNonNull(hosts, "hosts"));
        requireNonNull(ocsp, "ocsp");
    }

    public static ListenerTls plain() {
        return new ListenerTls(
                TlsMode.NONE,
                ClientAuth.REQUIRED,
                List.of(),
                Optional.empty(),
                Optional.empty(),
                DEFAULT_VERIFY_DEPTH,
                DEFAULT_PROTOCOLS,
                true,
                DenyList.EMPTY,
                true,
                Optional.empty(),
                List.of(),
                OcspSettings.OFF);
    }
}
