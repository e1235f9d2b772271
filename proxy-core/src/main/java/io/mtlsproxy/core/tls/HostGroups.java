package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.HostTrust;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.identity.ClientVerification;
import io.mtlsproxy.core.revocation.CrlFetcher;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import javax.net.ssl.SSLException;

/**
 * A listener's {@code tls.hosts}: each group's client trust (CAs, CRL, deny list, client-auth) and the SslContexts
 * that pair it with the server certificate covering each of its names. SNI picks the SslContext, so it picks the
 * server certificate and the client trust together: a client of one tenant never meets another tenant's CAs.
 */
final class HostGroups {
    /** One group, loaded. */
    record Group(HostTrust config, TrustAnchors anchors, ClientCertificateTrustManager trust) {}

    private final List<Group> groups;
    /** (group index, certificate index) → context; only the pairs some name of the group needs */
    private final Map<List<Integer>, SslContext> contexts;

    private HostGroups(List<Group> groups, Map<List<Integer>, SslContext> contexts) {
        this.groups = List.copyOf(groups);
        this.contexts = Map.copyOf(contexts);
    }

    static final HostGroups NONE = new HostGroups(List.of(), Map.of());

    /** Loads every group's trust; every problem is added to {@code errors}. */
    static List<Group> load(ListenerConfig listener, SslProvider provider, CrlFetcher crls, List<ConfigError> errors) {
        List<Group> out = new ArrayList<>();
        for (HostTrust h : listener.tls().hosts()) {
            try {
                TrustAnchors anchors = TrustAnchors.load(h.clientCa(), h.crl(), h.crlUrl(), crls);
                out.add(new Group(
                        h,
                        anchors,
                        new ClientCertificateTrustManager(
                                anchors,
                                listener.tls().verifyDepth(),
                                h.clientAuth() == ClientAuth.OPTIONAL,
                                provider,
                                new ClientDenyList(h.deny()),
                                new ClientOcspCheck(
                                        crls.clientOcsp(), listener.tls().ocsp(), anchors))));
            } catch (ConfigException e) {
                errors.addAll(e.errors());
            }
        }
        return out;
    }

    /**
     * Builds the contexts each group needs: for each of its names, the server certificate the SNI mapping would
     * choose for it, with the group's client trust.
     */
    static HostGroups build(List<Group> groups, List<LoadedKey> keys, IntFunction<ContextMaker> maker)
            throws SSLException {
        if (groups.isEmpty()) {
            return NONE;
        }
        Mapping<String, Integer> byCertificate = certificateIndex(keys);
        Map<List<Integer>, SslContext> contexts = new HashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            Group group = groups.get(g);
            for (String name : group.config().names()) {
                int k = byCertificate.map(probe(name));
                List<Integer> pair = List.of(g, k);
                if (!contexts.containsKey(pair)) {
                    SslContext context =
                            maker.apply(k).make(group.trust(), group.config().clientAuth());
                    ClientVerification.register(context.sessionContext(), group.trust());
                    contexts.put(pair, context);
                }
            }
        }
        return new HostGroups(groups, contexts);
    }

    /** Builds the context of one server certificate with one client trust. */
    interface ContextMaker {
        SslContext make(ClientCertificateTrustManager trust, ClientAuth clientAuth) throws SSLException;
    }

    /** A name the mapping can look up for a group's name: a wildcard's name stands for any name under it. */
    private static String probe(String name) {
        return name.startsWith("*.") ? "x" + name.substring(1) : name;
    }

    private static Mapping<String, Integer> certificateIndex(List<LoadedKey> keys) {
        DomainWildcardMappingBuilder<Integer> b = new DomainWildcardMappingBuilder<>(0);
        ServerTls.certificateNames(keys).forEach(b::add);
        return b.build();
    }

    /** Every group's names onto its contexts; added after the certificates' names, so a group's name wins. */
    void addTo(DomainWildcardMappingBuilder<SslContext> mapping, List<LoadedKey> keys) {
        if (groups.isEmpty()) {
            return;
        }
        Mapping<String, Integer> byCertificate = certificateIndex(keys);
        for (int g = 0; g < groups.size(); g++) {
            for (String name : groups.get(g).config().names()) {
                mapping.add(name, contexts.get(List.of(g, byCertificate.map(probe(name)))));
            }
        }
    }

    /** The trust that judges a client that sent this SNI name: its group's, else {@code fallback}. */
    Mapping<String, ClientCertificateTrustManager> trustBySni(ClientCertificateTrustManager fallback) {
        if (groups.isEmpty()) {
            return name -> fallback; // null on a listener without client trust
        }
        DomainWildcardMappingBuilder<ClientCertificateTrustManager> b = new DomainWildcardMappingBuilder<>(fallback);
        for (Group group : groups) {
            group.config().names().forEach(n -> b.add(n, group.trust()));
        }
        return b.build();
    }

    List<Group> groups() {
        return groups;
    }

    /** The contexts of one group, for the ticket keys bound to its material. */
    List<SslContext> contextsOf(int group) {
        List<SslContext> out = new ArrayList<>();
        contexts.forEach((pair, context) -> {
            if (pair.get(0) == group) {
                out.add(context);
            }
        });
        return out;
    }

    /** The groups' client CAs, for the inventory. */
    void inventory(String listener, List<CertificateUse> out) {
        for (Group group : groups) {
            for (X509Certificate ca : group.anchors().certificates()) {
                out.add(new CertificateUse(
                        CertificateUse.LISTENER_CLIENT_CA,
                        listener,
                        group.config().clientCa().path(),
                        ca));
            }
        }
    }

    /** The groups' CRLs, for the inventory. */
    void crlInventory(String listener, CrlFetcher fetcher, List<CrlUse> out) {
        for (Group group : groups) {
            ListenerInventory.addCrls(listener, group.anchors(), fetcher, out);
        }
    }
}
