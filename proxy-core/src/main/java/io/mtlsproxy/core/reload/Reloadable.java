package io.mtlsproxy.core.reload;

/**
 * What a {@link Reloader} reloads: the running proxy's current snapshot and its one way in. The proxy server is
 * the implementation; the interface keeps this package free of a dependency back on it.
 */
public interface Reloadable {
    /** The current snapshot; null until the proxy has started. */
    Snapshot snapshot();

    /**
     * Builds a snapshot from {@code source} and swaps it in, or keeps the running one whole and says why. Reloads
     * are serialized; every one, whatever asked for it, comes through here.
     */
    ReloadResult reload(ConfigSource source);
}
