package io.mtlsproxy.core.revocation;

/** Where OCSP results are counted ({@code mtls_proxy_ocsp_responses_total}): use {@code staple} or {@code client}, result {@code good}, {@code revoked}, {@code unknown} or {@code error}. */
@FunctionalInterface
public interface OcspResults {
    OcspResults NONE = (use, result) -> {};

    void count(String use, String result);
}
