package io.mtlsproxy.admin.inventory;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/** The result of one inventory evaluation: immutable, swapped whole, read by /certs without locking. */
public record InventorySnapshot(Instant evaluatedAt, List<CertificateEntry> certificates, List<CrlEntry> crls) {
    public static final InventorySnapshot EMPTY = new InventorySnapshot(Instant.EPOCH, List.of(), List.of());

    public InventorySnapshot {
        requireNonNull(evaluatedAt, "evaluatedAt");
        certificates = List.copyOf(certificates);
        crls = List.copyOf(crls);
    }
}
