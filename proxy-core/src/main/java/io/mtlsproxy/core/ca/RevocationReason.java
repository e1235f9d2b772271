package io.mtlsproxy.core.ca;

import java.util.Locale;

/**
 * RFC 5280 CRL reason codes. {@code UNSPECIFIED} is written as no reason extension at all, as RFC 5280 asks;
 * the CLI name is the lowercase, hyphenated constant ({@code key-compromise}).
 */
public enum RevocationReason {
    UNSPECIFIED(0),
    KEY_COMPROMISE(1),
    CA_COMPROMISE(2),
    AFFILIATION_CHANGED(3),
    SUPERSEDED(4),
    CESSATION_OF_OPERATION(5),
    CERTIFICATE_HOLD(6),
    REMOVE_FROM_CRL(8),
    PRIVILEGE_WITHDRAWN(9),
    AA_COMPROMISE(10);

    private final int code;

    RevocationReason(int code) {
        this.code = code;
    }

    /** The reasonCode value of RFC 5280, section 5.3.1. */
    public int code() {
        return code;
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static RevocationReason ofCode(int code) {
        for (RevocationReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return UNSPECIFIED;
    }

    public static RevocationReason fromCliName(String name) {
        for (RevocationReason r : values()) {
            if (r.cliName().equals(name.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("reason: " + name + " (expected: unspecified, key-compromise, "
                + "ca-compromise, affiliation-changed, superseded, cessation-of-operation, certificate-hold, "
                + "privilege-withdrawn or aa-compromise)");
    }
}
