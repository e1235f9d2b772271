package io.mtlsproxy.core.ca;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What a leaf certificate should say. Built with {@link #server(String)} or {@link #client(String)}. */
public record CertificateSpec(
        Usage usage,
        String commonName,
        String organization,
        List<String> dnsNames,
        List<String> ipAddresses,
        List<String> uris,
        Instant notBefore,
        Instant notAfter,
        KeyAlgorithm keyAlgorithm) {
    public enum Usage {
        SERVER,
        CLIENT,
        INTERMEDIATE_CA
    }

    public CertificateSpec {
        requireNonNull(usage, "usage");
        requireNonNull(commonName, "commonName");
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
        uris = List.copyOf(uris);
        requireNonNull(notBefore, "notBefore");
        requireNonNull(notAfter, "notAfter");
        requireNonNull(keyAlgorithm, "keyAlgorithm");
    }

    public static Builder server(String commonName) {
        return new Builder(Usage.SERVER, commonName);
    }

    public static Builder client(String commonName) {
        return new Builder(Usage.CLIENT, commonName);
    }

    public static Builder intermediateCa(String commonName) {
        return new Builder(Usage.INTERMEDIATE_CA, commonName);
    }

    public static final class Builder {
        private final Usage usage;
        private final String commonName;
        private String organization;
        private final List<String> dnsNames = new ArrayList<>();
        private final List<String> ipAddresses = new ArrayList<>();
        private final List<String> uris = new ArrayList<>();
        private Instant notBefore = Instant.now().minus(Duration.ofMinutes(5));
        private Instant notAfter;
        private Duration validity = Duration.ofDays(365);
        private KeyAlgorithm keyAlgorithm = KeyAlgorithm.EC_P256;

        private Builder(Usage usage, String commonName) {
            this.usage = usage;
            this.commonName = requireNonNull(commonName, "commonName");
        }

        public Builder organization(String organization) {
            this.organization = organization;
            return this;
        }

        public Builder dns(String... names) {
            dnsNames.addAll(List.of(names));
            return this;
        }

        public Builder ip(String... addresses) {
            ipAddresses.addAll(List.of(addresses));
            return this;
        }

        public Builder uri(String... values) {
            uris.addAll(List.of(values));
            return this;
        }

        /** Valid from now (minus five minutes of clock skew) for this long. */
        public Builder validFor(Duration validity) {
            this.validity = requireNonNull(validity, "validity");
            this.notAfter = null;
            return this;
        }

        public Builder validity(Instant notBefore, Instant notAfter) {
            this.notBefore = requireNonNull(notBefore, "notBefore");
            this.notAfter = requireNonNull(notAfter, "notAfter");
            return this;
        }

        public Builder keyAlgorithm(KeyAlgorithm keyAlgorithm) {
            this.keyAlgorithm = requireNonNull(keyAlgorithm, "keyAlgorithm");
            return this;
        }

        public CertificateSpec build() {
            Instant end = notAfter != null ? notAfter : notBefore.plus(validity).plus(Duration.ofMinutes(5));
            return new CertificateSpec(
                    usage, commonName, organization, dnsNames, ipAddresses, uris, notBefore, end, keyAlgorithm);
        }
    }
}
