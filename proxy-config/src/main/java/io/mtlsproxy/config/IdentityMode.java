package io.mtlsproxy.config;

/** What a denial of the client-identity policy does. */
public enum IdentityMode {
    /** answer 403 */
    ENFORCE,
    /** log and count the would-be denial, let the request pass */
    REPORT_ONLY
}
