package io.mtlsproxy.bench.peer;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.process.ManagedProcess;
import io.mtlsproxy.bench.scenario.Leg;
import java.util.List;
import java.util.Map;

/**
 * A running peer: its process, the port of each leg, and how many client connections its configuration lets it
 * hold at once (the idle scenario asks for no more); {@code helpers}: processes it needs beside it (an OCSP
 * responder). Closing it stops the process trees.
 */
public record PeerInstance(
        String name,
        ManagedProcess process,
        Map<Leg, Integer> ports,
        int maxClientConnections,
        List<ManagedProcess> helpers)
        implements AutoCloseable {
    public PeerInstance {
        requireNonNull(name, "name");
        requireNonNull(process, "process");
        ports = Map.copyOf(requireNonNull(ports, "ports"));
        helpers = List.copyOf(helpers);
    }

    public PeerInstance(String name, ManagedProcess process, Map<Leg, Integer> ports, int maxClientConnections) {
        this(name, process, ports, maxClientConnections, List.of());
    }

    public int port(Leg leg) {
        Integer port = ports.get(leg);
        if (port == null) {
            throw new IllegalStateException(name + " has no listener for " + leg.label());
        }
        return port;
    }

    @Override
    public void close() {
        process.close();
        helpers.forEach(ManagedProcess::close);
    }
}
