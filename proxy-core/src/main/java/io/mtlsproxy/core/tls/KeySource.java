package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.KeyMaterial;
import java.util.ArrayList;
import java.util.List;

/** Where a listener build gets its certificates and keys: read now ({@link CertificateLoader}), or a {@link KeyCache}. */
@FunctionalInterface
public interface KeySource {
    KeySource READ = CertificateLoader::load;

    LoadedKey load(KeyMaterial material) throws ConfigException;

    /**
     * Every certificate of a listener, loaded in parallel: parsing the PEM and proving the key its certificate's
     * is CPU work done a thousand times on a listener with a thousand certificates. The keys that loaded come
     * back, and the problems go to {@code errors}, both in configuration order, as a one-thread load gives them.
     */
    default List<LoadedKey> loadAll(List<KeyMaterial> materials, List<ConfigError> errors) {
        record Attempt(LoadedKey key, List<ConfigError> errors) {}
        List<Attempt> attempts = materials.parallelStream()
                .map(m -> {
                    try {
                        return new Attempt(load(m), List.of());
                    } catch (ConfigException e) {
                        return new Attempt(null, e.errors());
                    }
                })
                .toList();
        List<LoadedKey> keys = new ArrayList<>();
        for (Attempt a : attempts) {
            if (a.key() != null) {
                keys.add(a.key());
            }
            errors.addAll(a.errors());
        }
        return keys;
    }
}
