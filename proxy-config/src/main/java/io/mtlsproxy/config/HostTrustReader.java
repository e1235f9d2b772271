package io.mtlsproxy.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Reads a listener's {@code tls.hosts}; a name claimed by two groups is an error at the second one's line. */
final class HostTrustReader {
    private HostTrustReader() {}

    static List<HostTrust> read(Node tls) {
        List<HostTrust> out = new ArrayList<>();
        Map<String, String> claimed = new HashMap<>(); // name -> key path of the group that claimed it first
        for (Node h : tls.objectList("hosts")) {
            h.allowOnly("names", "client-ca", "client-auth", "crl", "deny");
            List<String> names = new ArrayList<>();
            for (Node n : h.stringList("names")) {
                String name = n.string().trim().toLowerCase(Locale.ROOT);
                Optional<String> expected = Syntax.checkHostPattern(name);
                if (expected.isPresent()) {
                    n.error(Syntax.quote(n.string()) + " (expected: " + expected.get() + ")");
                } else if (claimed.containsKey(name)) {
                    n.error(Syntax.quote(name) + " is already in " + claimed.get(name)
                            + " (expected: each name in one hosts group only)");
                } else {
                    claimed.put(name, h.path());
                    names.add(name);
                }
            }
            if (!h.has("names")) {
                h.missing("names", "the SNI names this group's client trust applies to");
            } else if (names.isEmpty() && h.stringList("names").isEmpty()) {
                h.error("names", "empty (expected: at least one host name)");
            }
            Optional<FileRef> clientCa = h.file("client-ca");
            if (!h.has("client-ca")) {
                h.missing("client-ca", "the CA bundle that verifies this group's client certificates");
            }
            Optional<CrlUrl> crlUrl = ListenerReader.crlUrl(h);
            Optional<FileRef> crl =
                    crlUrl.isPresent() || Syntax.hasScheme(h.text("crl", "")) ? Optional.empty() : h.file("crl");
            ClientAuth clientAuth = Scalars.enumValue(h, "client-auth", ClientAuth.class, ClientAuth.REQUIRED);
            DenyList deny = h.object("deny").map(DenyReader::read).orElse(DenyList.EMPTY);
            clientCa.ifPresent(ca -> out.add(new HostTrust(names, clientAuth, ca, crl, crlUrl, deny, h.source())));
        }
        return out;
    }
}
