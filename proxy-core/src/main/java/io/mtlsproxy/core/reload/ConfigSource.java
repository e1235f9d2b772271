package io.mtlsproxy.core.reload;

import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ProxyConfig;

/**
 * Where a reload's configuration comes from: the configuration file read anew (with every file it names), or a
 * configuration built in memory. Called by {@link Reloadable#reload(ConfigSource)} on the reloading thread,
 * inside the reload lock, so that the read and the swap of two reloads never interleave.
 */
@FunctionalInterface
public interface ConfigSource {
    ProxyConfig load() throws ConfigException;
}
