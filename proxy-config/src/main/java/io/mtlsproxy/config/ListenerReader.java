package io.mtlsproxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads one element of {@code listeners = [...]}: name, bind, port, PROXY protocol, TLS and limits. */
final class ListenerReader {
    static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    private static final int MAX_VERIFY_DEPTH = 10;

    private ListenerReader() {}

    static ParsedListener read(Node n) {
        n.allowOnly("name", "bind", "port", "proxy-protocol", "tls", "limits");
        String name = n.requiredText("name", "a listener name, e.g. public").orElse("");
        Syntax.checkName(name)
                .filter(x -> n.has("name"))
                .ifPresent(expected -> n.error("name", Syntax.quote(name) + " (expected: " + expected + ")"));
        String bind = Syntax.unbracket(n.text("bind", "0.0.0.0"));
        if (!Syntax.isBindAddress(bind)) {
            n.error("bind", Syntax.quote(bind) + " (expected: an IP address such as 0.0.0.0, :: or 127.0.0.1)");
        }
        int port = Scalars.requiredInteger(n, "port", 0, 65535).orElse(0);
        boolean proxyProtocol = Scalars.bool(n, "proxy-protocol", false);
        ListenerTls tls = n.object("tls").map(ListenerReader::tls).orElse(ListenerTls.plain());
        Limits limits = n.object("limits").map(ListenerReader::limits).orElse(Limits.DEFAULT);
        Source nameSource = n.child("name").map(Node::source).orElse(n.source());
        Source portSource = n.child("port").map(Node::source).orElse(n.source());
        return new ParsedListener(
                new ListenerConfig(name, bind, port, proxyProtocol, tls, limits, n.source()),
                n.path(),
                nameSource,
                portSource);
    }

    private static ListenerTls tls(Node t) {
        t.allowOnly(
                "mode",
                "client-auth",
                "certificates",
                "client-ca",
                "crl",
                "verify-depth",
                "protocols",
                "sni-host-check",
                "deny",
                "close-revoked",
                "hosts",
                "ocsp");
        Optional<TlsMode> modeRead = Scalars.requiredEnum(t, "mode", TlsMode.class);
        TlsMode mode = modeRead.orElse(TlsMode.TLS);
        boolean mtls = mode == TlsMode.MTLS;
        ClientAuth clientAuth = Scalars.enumValue(t, "client-auth", ClientAuth.class, ClientAuth.REQUIRED);
        List<KeyMaterial> certificates = certificates(t);
        Optional<FileRef> clientCa = t.file("client-ca");
        Optional<CrlUrl> crlUrl = crlUrl(t);
        Optional<FileRef> crl =
                crlUrl.isPresent() || Syntax.hasScheme(t.text("crl", "")) ? Optional.empty() : t.file("crl");
        int verifyDepth = Scalars.integer(t, "verify-depth", ListenerTls.DEFAULT_VERIFY_DEPTH, 1, MAX_VERIFY_DEPTH);
        List<String> protocols = protocols(t);
        boolean sniHostCheck = Scalars.bool(t, "sni-host-check", true);
        DenyList deny = t.object("deny").map(DenyReader::read).orElse(DenyList.EMPTY);
        boolean closeRevoked = Scalars.bool(t, "close-revoked", true);
        List<HostTrust> hosts = HostTrustReader.read(t);
        OcspSettings ocsp = t.object("ocsp").map(OcspReader::read).orElse(OcspSettings.OFF);
        if (!mtls && ocsp.clientCheck() != OcspCheck.OFF) {
            t.error(
                    "ocsp",
                    "client-check applies to mode = mtls only (this listener has mode = " + mode.configName() + ")");
        }
        if (modeRead.isPresent()) {
            checkAgainstMode(t, mode);
        }
        return new ListenerTls(
                mode,
                clientAuth,
                mode == TlsMode.NONE ? List.of() : certificates,
                mtls ? clientCa : Optional.empty(),
                mtls ? crl : Optional.empty(),
                verifyDepth,
                protocols,
                sniHostCheck,
                mtls ? deny : DenyList.EMPTY,
                closeRevoked,
                mtls ? crlUrl : Optional.empty(),
                mtls ? hosts : List.of(),
                mtls ? ocsp : new OcspSettings(ocsp.stapling(), OcspCheck.OFF, ocsp.responder()));
    }

    /**
     * {@code crl} as an {@code http://} URL, or empty when it names a file. Only plain http: a CRL is signed by its
     * CA, and https would make fetching it depend on another chain (and its own revocation).
     */
    static Optional<CrlUrl> crlUrl(Node t) {
        String text = t.text("crl", "");
        if (!Syntax.hasScheme(text)) {
            return Optional.empty();
        }
        Optional<java.net.URI> url = Syntax.httpUrl(text);
        if (url.isEmpty()) {
            t.error("crl", Syntax.quote(text) + " (expected: a file or an http:// URL with a host)");
            return Optional.empty();
        }
        Source line = t.child("crl").map(Node::source).orElse(t.source());
        return Optional.of(new CrlUrl(url.get(), t.pathOf("crl"), line));
    }

    /** Keys that the mode needs, or that it would silently ignore. */
    private static void checkAgainstMode(Node t, TlsMode mode) {
        Source modeLine = t.child("mode").map(Node::source).orElse(t.source());
        for (String mtlsOnly :
                List.of("client-auth", "client-ca", "crl", "verify-depth", "deny", "close-revoked", "hosts")) {
            if (mode != TlsMode.MTLS && t.has(mtlsOnly)) {
                t.error(mtlsOnly, "applies to mode = mtls only (this listener has mode = " + mode.configName() + ")");
            }
        }
        if (mode == TlsMode.MTLS && !t.has("client-ca")) {
            t.problems()
                    .add(
                            modeLine,
                            t.pathOf("client-ca"),
                            "missing (expected: the CA bundle that verifies client certificates; required with mode = mtls)");
        }
        if (mode == TlsMode.NONE && t.has("certificates")) {
            t.error("certificates", "given with mode = none (expected: mode = tls or mtls to use them)");
        }
        if (mode != TlsMode.NONE && !t.has("certificates")) {
            t.problems()
                    .add(
                            modeLine,
                            t.pathOf("certificates"),
                            "missing (expected: at least one" + " { cert, key } or { keystore } with mode = "
                                    + mode.configName() + ")");
        }
    }

    private static List<KeyMaterial> certificates(Node t) {
        List<KeyMaterial> out = new ArrayList<>();
        List<Node> entries = t.objectList("certificates");
        for (Node entry : entries) {
            entry.allowOnly(
                    KeyMaterialReader.CERT,
                    KeyMaterialReader.KEY,
                    KeyMaterialReader.KEYSTORE,
                    KeyMaterialReader.KEYSTORE_PASSWORD,
                    KeyMaterialReader.RENEW);
            if (!KeyMaterialReader.mentionsAny(entry)) {
                entry.error("empty (expected: { cert = \"x.crt\", key = \"x.key\" } or { keystore = \"x.p12\" })");
            }
            KeyMaterialReader.read(entry).ifPresent(out::add);
        }
        if (t.isEmptyList("certificates")) {
            t.error("certificates", "empty (expected: at least one { cert, key } or { keystore })");
        }
        return out;
    }

    private static List<String> protocols(Node t) {
        if (!t.has("protocols")) {
            return ListenerTls.DEFAULT_PROTOCOLS;
        }
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Node> given = t.stringList("protocols");
        for (Node p : given) {
            String v = p.string();
            if (!PROTOCOLS.contains(v)) {
                p.error(Syntax.quote(v) + " (expected: TLSv1.3 or TLSv1.2; older versions are not offered)"
                        + DidYouMean.hint(v, PROTOCOLS));
            } else if (!seen.add(v)) {
                p.error(Syntax.quote(v) + " is listed twice (expected: each protocol once)");
            } else {
                out.add(v);
            }
        }
        if (t.isEmptyList("protocols")) {
            t.error("protocols", "empty (expected: [\"TLSv1.3\", \"TLSv1.2\"] or one of them)");
        }
        return out.isEmpty() ? ListenerTls.DEFAULT_PROTOCOLS : out;
    }

    private static Limits limits(Node l) {
        l.allowOnly(
                "max-connections",
                "max-header-size",
                "max-body-size",
                "handshake-timeout",
                "request-header-timeout",
                "idle-timeout");
        Limits d = Limits.DEFAULT;
        Duration ms = Duration.ofMillis(1);
        return new Limits(
                Scalars.integer(l, "max-connections", d.maxConnections(), 1, Integer.MAX_VALUE),
                Scalars.size(l, "max-header-size", d.maxHeaderSize()),
                Scalars.size(l, "max-body-size", d.maxBodySize()),
                Scalars.duration(l, "handshake-timeout", d.handshakeTimeout(), ms),
                Scalars.duration(l, "request-header-timeout", d.requestHeaderTimeout(), ms),
                Scalars.duration(l, "idle-timeout", d.idleTimeout(), ms));
    }
}
