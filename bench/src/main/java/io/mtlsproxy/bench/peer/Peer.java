package io.mtlsproxy.bench.peer;

/** A proxy under test: nginx, HAProxy or mtls-proxy, started as its own process for the whole run. */
public interface Peer {
    /** {@code nginx}, {@code haproxy}, {@code mtls-proxy}: the name in {@code --peers} and in the table. */
    String name();

    /** Writes its configuration under the run directory, starts, and returns once every leg's port accepts. */
    PeerInstance start(PeerEnvironment env) throws Exception;

    /** One line about the version under test, e.g. {@code nginx/1.22.1}. */
    String version();
}
