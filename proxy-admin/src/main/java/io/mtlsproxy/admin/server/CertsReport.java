package io.mtlsproxy.admin.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.mtlsproxy.admin.inventory.CertificateEntry;
import io.mtlsproxy.admin.inventory.CertificateFacts;
import io.mtlsproxy.admin.inventory.CrlEntry;
import io.mtlsproxy.admin.inventory.InventorySnapshot;
import io.mtlsproxy.admin.json.Rfc3339;
import io.mtlsproxy.core.renew.RenewalStatus;
import io.mtlsproxy.core.revocation.FetchedCrl;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.ExpiryState;
import io.mtlsproxy.core.tls.StapleStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The body of {@code GET /certs}: the inventory's last evaluation, certificates then CRLs. {@code state} is the
 * evaluation's (at most one refresh interval old, the same the logs and alerts saw); {@code expires_in_seconds}
 * is computed at request time, so it is never stale. A certificate with a {@code renew} block adds a
 * {@code renewal} object; the others keep exactly the fields they always had.
 */
record CertsReport(String generatedAt, String evaluatedAt, List<Object> certificates) {
    /** Every state a {@code ?state=} filter may name. */
    static final Set<String> STATES;

    static {
        Set<String> states = new LinkedHashSet<>();
        Stream.of(ExpiryState.values()).forEach(s -> states.add(s.label()));
        Stream.of(CrlEntry.State.values()).forEach(s -> states.add(s.label()));
        STATES = Set.copyOf(states);
    }

    /** @param states the states to keep; empty keeps all */
    static CertsReport of(InventorySnapshot snapshot, Instant now, Set<String> states) {
        return of(snapshot, now, states, List.of());
    }

    /** With the {@code renewal} object of every certificate that has a {@code renew} block. */
    static CertsReport of(
            InventorySnapshot snapshot, Instant now, Set<String> states, Collection<RenewalStatus> renewals) {
        return of(snapshot, now, states, renewals, Map.of());
    }

    /** And with the {@code ocsp} object of every server certificate a listener staples ({@code staples}: by listener). */
    static CertsReport of(
            InventorySnapshot snapshot,
            Instant now,
            Set<String> states,
            Collection<RenewalStatus> renewals,
            Map<String, List<StapleStatus>> staples) {
        List<Object> entries = new ArrayList<>();
        for (CertificateEntry c : snapshot.certificates()) {
            if (states.isEmpty() || states.contains(c.state().label())) {
                entries.add(new Certificate(
                        c.usage(),
                        c.owner(),
                        c.path().toString(),
                        c.subject(),
                        c.issuer(),
                        c.serial(),
                        c.sans(),
                        c.sha256(),
                        Rfc3339.seconds(c.notBefore()),
                        Rfc3339.seconds(c.notAfter()),
                        c.expiresInSeconds(now),
                        c.state().label(),
                        RenewalJson.find(
                                renewals, c.usage(), c.owner(), c.path().toString()),
                        OcspJson.find(staples, c)));
            }
        }
        for (CrlEntry c : snapshot.crls()) {
            if (states.isEmpty() || states.contains(c.state().label())) {
                entries.add(new Crl(
                        c.usage(),
                        c.owner(),
                        c.fetch().isPresent() ? null : c.location(),
                        c.fetch().isPresent() ? c.location() : null,
                        c.issuer(),
                        Rfc3339.seconds(c.thisUpdate()),
                        Rfc3339.seconds(c.nextUpdate()),
                        c.state().label(),
                        c.fetch().map(CrlFetchJson::of).orElse(null)));
            }
        }
        return new CertsReport(Rfc3339.millis(now), Rfc3339.millis(snapshot.evaluatedAt()), entries);
    }

    /**
     * Parses {@code ?state=a,b}: a comma-separated list, each one of {@link #STATES}.
     *
     * @throws IllegalArgumentException naming the bad value and the expected ones
     */
    static Set<String> parseStates(List<String> values) {
        return parseStates(values, STATES);
    }

    /** As {@link #parseStates(List)}, each one of {@code allowed}. */
    static Set<String> parseStates(List<String> values, Set<String> allowed) {
        Set<String> out = new LinkedHashSet<>();
        for (String value : values) {
            for (String s : value.split(",")) {
                String state = s.trim();
                if (!allowed.contains(state)) {
                    throw new IllegalArgumentException("state: " + state + " (expected one or more of: "
                            + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
                out.add(state);
            }
        }
        return out;
    }

    record Certificate(
            String usage,
            String owner,
            String path,
            String subject,
            String issuer,
            String serial,
            List<String> sans,
            String sha256,
            String notBefore,
            String notAfter,
            long expiresInSeconds,
            String state,
            @JsonInclude(JsonInclude.Include.NON_NULL) RenewalJson renewal,
            @JsonInclude(JsonInclude.Include.NON_NULL) OcspJson ocsp) {}

    /**
     * A stapled certificate's OCSP: {@code state} fresh, stale or missing; the last good response's
     * {@code cert_status}, {@code this_update} and {@code next_update}; the last fetch's error (null when it worked).
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record OcspJson(String state, String certStatus, String thisUpdate, String nextUpdate, String lastError) {
        static OcspJson find(Map<String, List<StapleStatus>> staples, CertificateEntry c) {
            if (!CertificateUse.LISTENER_SERVER.equals(c.usage())) {
                return null;
            }
            for (StapleStatus s : staples.getOrDefault(c.owner(), List.of())) {
                if (CertificateFacts.sha256(s.certificate()).equals(c.sha256())) {
                    var answer = s.state().answer();
                    return new OcspJson(
                            s.state().state(),
                            answer.map(a -> a.status().label()).orElse(null),
                            answer.map(a -> Rfc3339.seconds(a.thisUpdate())).orElse(null),
                            answer.flatMap(a -> a.nextUpdate())
                                    .map(Rfc3339::seconds)
                                    .orElse(null),
                            s.state().lastError().orElse(null));
                }
            }
            return null;
        }
    }

    /** A file's CRL has {@code path}; a fetched one {@code url}, {@code last_fetch} and {@code last_error}. */
    record Crl(
            String usage,
            String owner,
            @JsonInclude(JsonInclude.Include.NON_NULL) String path,
            @JsonInclude(JsonInclude.Include.NON_NULL) String url,
            String issuer,
            String thisUpdate,
            String nextUpdate,
            String state,
            @JsonUnwrapped CrlFetchJson fetch) {}

    /** Always both keys on a fetched CRL: a null last_error says the last fetch worked. */
    record CrlFetchJson(String lastFetch, String lastError) {
        static CrlFetchJson of(FetchedCrl.Status s) {
            return new CrlFetchJson(
                    s.lastFetch().map(Rfc3339::seconds).orElse(null),
                    s.lastError().orElse(null));
        }
    }
}
