package io.mtlsproxy.config;

import java.util.Optional;

/** {@code admin.health} and {@code admin.auth}: the admin plane of a replica that is reachable by others. */
final class AdminReader {
    static final String HEALTH = "health";
    static final String AUTH = "auth";

    private AdminReader() {}

    static AdminConfig.Health health(Node h) {
        h.allowOnly("bind", "port");
        if (!h.has("port")) {
            h.missing("port", "the port of /healthz and /readyz, e.g. port = 9902");
        }
        return new AdminConfig.Health(ConfigLoader.bindAddress(h, "0.0.0.0"), Scalars.integer(h, "port", 0, 0, 65535));
    }

    static AdminConfig.Auth auth(Node a) {
        a.allowOnly("token-file", "tls", "allow");
        Optional<FileRef> token = a.file("token-file");
        Optional<AdminConfig.Tls> tls = a.object("tls").flatMap(AdminReader::tls);
        AllowList allow = a.object("allow").map(RouteReader::allowList).orElse(AllowList.ANY);
        if (!a.has("token-file") && !a.has("tls")) {
            a.error("an auth block with neither token-file nor tls (expected: token-file = \"admin.token\","
                    + " or tls { cert, key, client-ca })");
        }
        if (a.has("allow") && !a.has("tls")) {
            a.error(
                    "allow",
                    "an allow-list without tls can never see a client certificate (expected: tls { cert,"
                            + " key, client-ca } next to it)");
        }
        return new AdminConfig.Auth(token, tls, allow);
    }

    private static Optional<AdminConfig.Tls> tls(Node t) {
        t.allowOnly(
                KeyMaterialReader.CERT,
                KeyMaterialReader.KEY,
                KeyMaterialReader.KEYSTORE,
                KeyMaterialReader.KEYSTORE_PASSWORD,
                "client-ca");
        Optional<KeyMaterial> certificate = KeyMaterialReader.read(t);
        if (certificate.isEmpty() && !KeyMaterialReader.mentionsAny(t)) {
            t.missing(
                    KeyMaterialReader.CERT, "the admin port's certificate, cert = \"admin.crt\", key = \"admin.key\"");
        }
        if (!t.has("client-ca")) {
            t.missing("client-ca", "the CA of the operators' client certificates");
        }
        Optional<FileRef> clientCa = t.file("client-ca");
        return certificate.flatMap(c -> clientCa.map(ca -> new AdminConfig.Tls(c, ca)));
    }
}
