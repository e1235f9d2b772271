package io.mtlsproxy.bench.peer;

/**
 * The TLS settings every peer's listeners get, in OpenSSL's syntax: TLS 1.2 and 1.3 only (DESIGN.md's listener
 * default), ECDSA AEAD suites for TLS 1.2, and the same TLS 1.3 suite order. The load generator offers one suite
 * per version anyway (see ClientTls); these lists keep the peers from disagreeing about anything else.
 */
final class TlsPolicy {
    static final String NGINX_PROTOCOLS = "TLSv1.2 TLSv1.3";
    static final String TLS12_CIPHERS =
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" + "ECDHE-ECDSA-CHACHA20-POLY1305";
    static final String TLS13_SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

    private TlsPolicy() {}
}
