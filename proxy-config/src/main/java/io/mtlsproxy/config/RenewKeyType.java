package io.mtlsproxy.config;

/** The kind of key a renewal generates: {@code ec-p256} (the default) or {@code rsa-2048}. */
public enum RenewKeyType {
    EC_P256,
    RSA_2048;

    public String configName() {
        return Scalars.configName(this);
    }
}
