package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.certs.SubjectAltName;
import io.mtlsproxy.core.identity.ClientVerification;
import io.mtlsproxy.core.identity.DnsNames;
import io.mtlsproxy.core.revocation.CrlFetcher;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * A listener's TLS, built once per load or reload: one SslContext per server certificate, chosen by SNI against
 * each certificate's DNS SANs (wildcards too); the first certificate is the default. In mode {@code mtls} every
 * context shares one client-certificate trust manager (client-ca, CRLs, verify-depth).
 * <p>
 * Session resumption never outlives the material it was decided under: every build makes new SslContexts, and each
 * has its own session cache and its own session-ticket keys (BoringSSL generates random ticket keys per SSL_CTX and rotates them; the
 * JDK keeps them per SSLContext). A ticket or session ID issued under the old material is unknown to the new
 * contexts, so a client whose certificate was revoked by a new CRL, or whose CA was removed, must do a full
 * handshake, and the new trust manager sees its certificate. Within one build nothing changes, so resuming there
 * is safe; a resumed session in optional mode is re-verified (see {@code ClientVerification}). A reload that
 * changes none of the listener's settings, files, ALPN or route policies keeps the whole ServerTls, contexts and
 * sessions included (the reload package's ListenerTlsCarryOver): the material they were decided under is the same.
 * <p>
 * With {@code session-tickets.keys} (a fleet), the ticket keys come from that file instead, bound to a digest of
 * the listener's material so that the rule above still holds across reloads and replicas: see {@link TicketKeys}.
 */
public final class ServerTls {
    private final SslContext defaultContext;
    private final Mapping<String, SslContext> sniMapping;
    private final List<SslContext> contexts;
    private final List<CertificateUse> certificates;
    private final List<CrlUse> crls;
    /** the client trust (chain, CRL, deny list) by SNI name: a tls.hosts group's, else the listener's (null unless mtls) */
    private final Mapping<String, ClientCertificateTrustManager> clientTrust;
    /** a digest of everything that judges a client: CAs, CRLs, deny lists, client-auth, verify-depth, hosts */
    private final byte[] clientTrustDigest;
    /** OCSP stapling and the executor of client checks (see {@link ListenerOcsp}) */
    private final ListenerOcsp ocsp;
    /** the context every client gets whatever its SNI (one certificate, no tls.hosts); null when SNI chooses */
    private final SslContext soleContext;

    private ServerTls(
            List<SslContext> contexts,
            Mapping<String, SslContext> sniMapping,
            List<CertificateUse> certificates,
            List<CrlUse> crls,
            Mapping<String, ClientCertificateTrustManager> clientTrust,
            byte[] clientTrustDigest,
            ListenerOcsp ocsp,
            boolean sniChooses) {
        this.ocsp = requireNonNull(ocsp, "ocsp");
        this.contexts = List.copyOf(contexts);
        this.defaultContext = this.contexts.get(0);
        this.soleContext = sniChooses ? null : defaultContext;
        this.sniMapping = requireNonNull(sniMapping, "sniMapping");
        this.certificates = List.copyOf(certificates);
        this.crls = List.copyOf(crls);
        this.clientTrust = requireNonNull(clientTrust, "clientTrust");
        this.clientTrustDigest = clientTrustDigest.clone();
    }

    /** Builds the contexts of a {@code tls} or {@code mtls} listener advertising ALPN {@code http/1.1}. */
    public static ServerTls build(ListenerConfig listener) throws ConfigException {
        return build(listener, TlsSettings.DEFAULT_ALPN);
    }

    /** As {@link #build(ListenerConfig)}, advertising these ALPN protocols in preference order (e.g. h2). */
    public static ServerTls build(ListenerConfig listener, List<String> alpnProtocols) throws ConfigException {
        return build(listener, alpnProtocols, TlsProvider.provider());
    }

    static ServerTls build(ListenerConfig listener, List<String> alpnProtocols, SslProvider provider)
            throws ConfigException {
        return build(listener, alpnProtocols, provider, Tickets.PER_CONTEXT, CrlFetcher.once());
    }

    /**
     * As {@link #build(ListenerConfig, List)}, with the fleet's ticket keys (the provider must be OpenSSL; the
     * caller checks). {@code routePolicy} names the identity policy of every route on the listener: part of the
     * material a ticket is bound to.
     */
    public static ServerTls build(
            ListenerConfig listener, List<String> alpnProtocols, Optional<TicketKeys> tickets, String routePolicy)
            throws ConfigException {
        return build(listener, alpnProtocols, tickets, routePolicy, KeySource.READ, CrlFetcher.once());
    }

    /**
     * As above, taking certificates and keys from {@code keys} (a reload's {@link KeyCache}) and a CRL URL's CRLs
     * from {@code crls} (which keeps them fresh for a running proxy).
     */
    public static ServerTls build(
            ListenerConfig listener,
            List<String> alpnProtocols,
            Optional<TicketKeys> tickets,
            String routePolicy,
            KeySource keys,
            CrlFetcher crls)
            throws ConfigException {
        return build(listener, alpnProtocols, TlsProvider.provider(), new Tickets(tickets, routePolicy), keys, crls);
    }

    /** Shared ticket keys, if any, and the text of the route policies they are bound to. */
    private record Tickets(Optional<TicketKeys> keys, String routePolicy) {
        /** No shared keys: each SslContext makes its own (the default). */
        static final Tickets PER_CONTEXT = new Tickets(Optional.empty(), "");
    }

    /** Every problem of the listener is reported at once. */
    static ServerTls build(
            ListenerConfig listener, List<String> alpnProtocols, SslProvider provider, Tickets tickets, CrlFetcher crls)
            throws ConfigException {
        return build(listener, alpnProtocols, provider, tickets, KeySource.READ, crls);
    }

    private static ServerTls build(
            ListenerConfig listener,
            List<String> alpnProtocols,
            SslProvider provider,
            Tickets tickets,
            KeySource keySource,
            CrlFetcher crls)
            throws ConfigException {
        ListenerTls tls = listener.tls();
        if (tls.mode() == TlsMode.NONE) {
            throw new IllegalArgumentException("listener " + listener.name() + " has tls.mode = none");
        }
        String prefix = TlsSettings.keyPrefix(
                "listeners." + listener.name() + ".tls",
                tls.certificates().isEmpty() ? null : tls.certificates().get(0).keyPath(),
                tls.clientCa().map(f -> f.key()).orElse(null));
        List<ConfigError> errors = new ArrayList<>();
        String[] protocols = TlsSettings.protocols(tls.protocols(), listener.source(), prefix + ".protocols", errors);
        if (tls.certificates().isEmpty()) {
            errors.add(new ConfigError(
                    listener.source(),
                    prefix + ".certificates",
                    "empty (expected: at least one { cert, key } or { keystore })"));
        }
        List<LoadedKey> keys = keySource.loadAll(tls.certificates(), errors);
        TrustAnchors clientCas = null;
        if (tls.mode() == TlsMode.MTLS) {
            if (tls.verifyDepth() < 1 || tls.verifyDepth() > 10) {
                errors.add(new ConfigError(
                        listener.source(), prefix + ".verify-depth", tls.verifyDepth() + " (expected: 1..10)"));
            }
            if (tls.clientCa().isEmpty()) {
                errors.add(new ConfigError(
                        listener.source(), prefix + ".client-ca", "missing (expected: a CA bundle when mode = mtls)"));
            } else {
                try {
                    clientCas = TrustAnchors.load(tls.clientCa().get(), tls.crl(), tls.crlUrl(), crls);
                } catch (ConfigException e) {
                    errors.addAll(e.errors());
                }
            }
        }
        List<HostGroups.Group> groups = HostGroups.load(listener, provider, crls, errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }

        boolean optional = tls.clientAuth() == ClientAuth.OPTIONAL;
        ClientOcspCheck ocspCheck = new ClientOcspCheck(crls.clientOcsp(), tls.ocsp(), clientCas);
        ClientCertificateTrustManager trust = clientCas == null
                ? null
                : new ClientCertificateTrustManager(
                        clientCas, tls.verifyDepth(), optional, provider, new ClientDenyList(tls.deny()), ocspCheck);
        ListenerOcsp.Builder ocsp = ListenerOcsp.builder(tls.ocsp(), provider, keys, crls);
        List<SslContext> contexts = ServerContexts.build(
                keys,
                key -> {
                    SslContext context =
                            newContext(key, protocols, alpnProtocols, trust, tls.clientAuth(), provider, ocsp);
                    if (trust != null) {
                        ClientVerification.register(context.sessionContext(), trust);
                    }
                    return context;
                },
                errors);
        HostGroups hosts = HostGroups.NONE;
        try {
            hosts = HostGroups.build(
                    groups,
                    keys,
                    k -> (groupTrust, clientAuth) ->
                            newContext(keys.get(k), protocols, alpnProtocols, groupTrust, clientAuth, provider, ocsp));
        } catch (SSLException | RuntimeException e) {
            errors.add(new ConfigError(
                    listener.source(), prefix + ".hosts", "cannot build the hosts' TLS contexts: " + e.getMessage()));
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        if (tickets.keys().isPresent() && provider == SslProvider.OPENSSL) {
            String text = tls.mode().configName() + "|" + tls.clientAuth() + "|" + tls.verifyDepth() + "|"
                    + tls.protocols() + "|" + new ClientDenyList(tls.deny()).canonical();
            shareTicketKeys(tickets.keys().get(), contexts, keys, clientCas, text, tickets.routePolicy());
            for (int g = 0; g < hosts.groups().size(); g++) {
                HostGroups.Group group = hosts.groups().get(g);
                // a ticket from one group's contexts must not open another's: each group has its own material
                String groupText = text + "|hosts " + group.config().names() + "|"
                        + group.config().clientAuth() + "|"
                        + new ClientDenyList(group.config().deny()).canonical();
                shareTicketKeys(
                        tickets.keys().get(),
                        hosts.contextsOf(g),
                        keys,
                        group.anchors(),
                        groupText,
                        tickets.routePolicy());
            }
        }
        DomainWildcardMappingBuilder<SslContext> mapping = sniMapping(keys, contexts);
        hosts.addTo(mapping, keys);
        List<CertificateUse> inventory = ListenerInventory.certificates(listener, keys, clientCas);
        hosts.inventory(listener.name(), inventory);
        List<CrlUse> crlUses = new ArrayList<>();
        ListenerInventory.addCrls(listener.name(), clientCas, crls, crlUses);
        hosts.crlInventory(listener.name(), crls, crlUses);
        return new ServerTls(
                contexts,
                mapping.build(),
                inventory,
                crlUses,
                hosts.trustBySni(trust),
                trustDigest(tls, clientCas, hosts),
                ocsp.build(),
                contexts.size() > 1 || !hosts.groups().isEmpty());
    }

    private static byte[] trustDigest(ListenerTls tls, TrustAnchors clientCas, HostGroups hosts) {
        TicketKeys.Material m = new TicketKeys.Material();
        if (clientCas != null) {
            m.certificates(clientCas.certificates()).crls(clientCas.crls());
        }
        m.text(tls.clientAuth() + "|" + tls.verifyDepth() + "|" + new ClientDenyList(tls.deny()).canonical());
        for (HostGroups.Group g : hosts.groups()) {
            m.text("|hosts " + g.config().names() + "|" + g.config().clientAuth() + "|"
                            + new ClientDenyList(g.config().deny()).canonical())
                    .certificates(g.anchors().certificates())
                    .crls(g.anchors().crls());
        }
        return m.finish();
    }

    /** Every context of the listener gets the file's keys bound to the listener's material (see TicketKeys). */
    private static void shareTicketKeys(
            TicketKeys ticketKeys,
            List<SslContext> contexts,
            List<LoadedKey> keys,
            TrustAnchors clientCas,
            String settings,
            String routePolicy) {
        TicketKeys.Material material = new TicketKeys.Material();
        keys.forEach(k -> material.certificates(k.chain()));
        if (clientCas != null) {
            material.certificates(clientCas.certificates()).crls(clientCas.crls());
        }
        material.text(settings).text(routePolicy);
        OpenSslSessionTicketKey[] derived = ticketKeys.derive(material.finish());
        for (SslContext context : contexts) {
            ((OpenSslSessionContext) context.sessionContext()).setTicketKeys(derived);
        }
    }

    static SslContext newContext(
            LoadedKey key,
            String[] protocols,
            List<String> alpn,
            ClientCertificateTrustManager trust,
            ClientAuth clientAuth,
            SslProvider provider,
            ListenerOcsp.Builder ocsp)
            throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(key.privateKey(), key.chainArray())
                .sslProvider(provider)
                // Netty hands the key over through an in-memory key store; PKCS#12, the JDK's default type, would
                // encrypt it with 10,000 PBKDF2 rounds per certificate (most of a start with 1,000 certificates).
                // JKS protects it with one cheap pass, and the store never leaves memory.
                .keyStoreType("JKS")
                .protocols(protocols)
                .ciphers(TlsSettings.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(TlsSettings.alpn(alpn));
        if (trust != null) {
            b.trustManager(trust)
                    .clientAuth(
                            clientAuth == ClientAuth.REQUIRED
                                    ? io.netty.handler.ssl.ClientAuth.REQUIRE
                                    : io.netty.handler.ssl.ClientAuth.OPTIONAL);
        }
        ocsp.configure(b);
        return ocsp.register(key, TlsSettings.withSmallHandshakeSpill(b.build()));
    }

    /** SNI name → context of the first certificate whose DNS SANs cover it; anything else gets the default. */
    private static DomainWildcardMappingBuilder<SslContext> sniMapping(
            List<LoadedKey> keys, List<SslContext> contexts) {
        DomainWildcardMappingBuilder<SslContext> b = new DomainWildcardMappingBuilder<>(contexts.get(0));
        certificateNames(keys).forEach((name, i) -> b.add(name, contexts.get(i)));
        return b;
    }

    /** Each DNS SAN of the certificates → the index of the first certificate that has it. */
    static Map<String, Integer> certificateNames(List<LoadedKey> keys) {
        Map<String, Integer> names = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            // a certificate with unreadable SANs is reachable as the default only
            for (String name : SubjectAltName.values(keys.get(i).leaf(), SubjectAltName.Kind.DNS)) {
                names.putIfAbsent(DnsNames.normalize(name), i); // an earlier certificate keeps a shared name
            }
        }
        return names;
    }

    /**
     * This listener's verdict on a client chain that sent this SNI name (null for none) now, as a new handshake would get it (a blocking CPU check: call
     * it off the event loops); {@link ClientVerification.Outcome#VERIFIED} on a listener without client trust.
     */
    public ClientVerification.Outcome judgeClient(String sni, List<X509Certificate> chain) {
        ClientCertificateTrustManager trust = clientTrust.map(sni == null ? "" : sni);
        return trust == null
                ? ClientVerification.Outcome.VERIFIED
                : trust.verify(chain.toArray(X509Certificate[]::new));
    }

    /**
     * Whether {@code other} judges every client as this one does (same CAs, CRLs, deny lists and settings): a
     * reload that left it so need not re-verify the open connections.
     */
    public boolean sameClientTrust(ServerTls other) {
        return java.security.MessageDigest.isEqual(clientTrustDigest, other.clientTrustDigest);
    }

    /**
     * The SslHandler of one connection served by {@code context} (SNI's choice, or the {@link #soleContext()}): with
     * the certificate's current OCSP staple (fetched beforehand; never fetched here), the handshake timeout and, on a
     * listener with OCSP client checks, its certificate check run as a delegated task off the event loop.
     */
    public SslHandler newHandler(SslContext context, ByteBufAllocator alloc, long handshakeTimeoutMillis) {
        SslHandler handler = ocsp.newHandler(context, alloc);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    /**
     * The context of every client whatever its SNI (one certificate, no {@code tls.hosts}: the client trust is the
     * listener's too), so a connection's SslHandler can be made at accept; null when SNI chooses the context.
     */
    public SslContext soleContext() {
        return soleContext;
    }

    /** The OCSP staple of each server certificate on a listener with stapling, for /certs; else empty. */
    public List<StapleStatus> staples() {
        return ocsp.staples();
    }

    /** The context of the first certificate: used when the client sends no SNI or an unknown name. */
    public SslContext defaultContext() {
        return defaultContext;
    }

    /** For Netty's SniHandler: the context whose certificate's SANs cover the name, else the default. */
    public Mapping<String, SslContext> sniMapping() {
        return sniMapping;
    }

    /** One context per server certificate, in configuration order. */
    public List<SslContext> contexts() {
        return contexts;
    }

    /** Server certificates and client CAs, for the inventory. */
    public List<CertificateUse> certificates() {
        return certificates;
    }

    public List<CrlUse> crls() {
        return crls;
    }
}
