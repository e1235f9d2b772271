package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.KeyMaterial;

/** Where a listener build gets its certificates and keys: read now ({@link CertificateLoader}), or a {@link KeyCache}. */
@FunctionalInterface
public interface KeySource {
    KeySource READ = CertificateLoader::load;

    LoadedKey load(KeyMaterial material) throws ConfigException;
}
