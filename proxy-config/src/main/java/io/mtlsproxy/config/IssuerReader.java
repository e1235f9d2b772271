package io.mtlsproxy.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code issuers { NAME { type = acme | local-ca | exec, ... } }} and {@code renewal { ... }}. Everything
 * a renewal will need is checked here, so that a bad issuer is a {@code check-config} error and never a
 * surprise at the first renewal, weeks later.
 */
final class IssuerReader {
    private enum Type {
        ACME,
        LOCAL_CA,
        EXEC
    }

    private IssuerReader() {}

    static Map<String, IssuerConfig> issuers(Node issuers) {
        Map<String, IssuerConfig> out = new LinkedHashMap<>();
        for (String name : issuers.keys()) {
            issuers.object(name)
                    .flatMap(n -> {
                        Syntax.checkName(name)
                                .ifPresent(expected -> n.error(Syntax.quote(name) + " (expected: " + expected + ")"));
                        return issuer(name, n);
                    })
                    .ifPresent(i -> out.put(name, i));
        }
        return out;
    }

    private static Optional<IssuerConfig> issuer(String name, Node n) {
        Optional<Type> type = Scalars.requiredEnum(n, "type", Type.class);
        if (type.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(
                switch (type.get()) {
                    case ACME -> acme(name, n);
                    case LOCAL_CA -> localCa(name, n);
                    case EXEC -> exec(name, n);
                });
    }

    private static IssuerConfig acme(String name, Node n) {
        n.allowOnly("type", "directory", "trust-ca", "account-key", "contact", "challenge", "challenge-listener");
        URI directory = n.requiredText(
                        "directory",
                        "the ACME server's directory URL, e.g." + " \"https://acme-v02.api.letsencrypt.org/directory\"")
                .flatMap(text -> url(n, text))
                .orElse(URI.create("https://invalid.invalid/"));
        Optional<FileRef> trustCa = n.file("trust-ca");
        Path accountKey = n.child("account-key")
                .flatMap(k ->
                        k.asText().map(t -> k.directoryOfSource().resolve(t).normalize()))
                .orElse(n.directoryOfSource().resolve(name + "-acme-account.key"));
        FileChecks.checkWritableLocation(
                accountKey,
                n.child("account-key").map(Node::source).orElse(n.source()),
                n.pathOf("account-key"),
                n.problems());
        List<String> contact = new ArrayList<>();
        for (Node c : n.stringList("contact")) {
            if (!c.string().startsWith("mailto:")) {
                c.error(Syntax.quote(c.string()) + " (expected: mailto:ops@example.com)");
            } else {
                contact.add(c.string());
            }
        }
        AcmeChallenge challenge = Scalars.enumValue(n, "challenge", AcmeChallenge.class, AcmeChallenge.TLS_ALPN_01);
        String listener = n.requiredText(
                        "challenge-listener",
                        "the listener that answers the ACME validation: a TLS"
                                + " listener on port 443 for tls-alpn-01, a plain one on port 80 for http-01")
                .orElse("");
        return new AcmeIssuerConfig(name, directory, trustCa, accountKey, contact, challenge, listener, n.source());
    }

    private static Optional<URI> url(Node n, String text) {
        Optional<URI> uri = Syntax.url(text, java.util.Set.of("https", "http"));
        if (uri.isEmpty()) {
            n.error("directory", Syntax.quote(text) + " (expected: an https:// URL of the ACME directory)");
        }
        return uri;
    }

    private static IssuerConfig localCa(String name, Node n) {
        n.allowOnly("type", "ca-dir", "validity");
        Path dir = n.requiredText("ca-dir", "a directory made by pki init-ca (ca.crt, ca.key)")
                .map(t -> n.directoryOfSource().resolve(t).normalize())
                .orElse(n.directoryOfSource());
        if (n.has("ca-dir")) {
            Source at = n.child("ca-dir").orElseThrow().source();
            List<String> missing = List.of("ca.crt", "ca.key").stream()
                    .filter(file -> !Files.isReadable(dir.resolve(file)))
                    .toList();
            if (!missing.isEmpty()) {
                n.problems()
                        .add(
                                at,
                                n.pathOf("ca-dir"),
                                "no readable " + String.join(" or ", missing) + " in " + dir
                                        + " (expected: a directory made by pki init-ca)");
            }
        }
        Duration validity =
                Scalars.duration(n, "validity", LocalCaIssuerConfig.DEFAULT_VALIDITY, Duration.ofSeconds(30));
        return new LocalCaIssuerConfig(name, dir, validity, n.source());
    }

    private static IssuerConfig exec(String name, Node n) {
        n.allowOnly("type", "command", "timeout");
        List<String> command = new ArrayList<>();
        n.stringList("command").forEach(c -> command.add(c.string()));
        if (!n.has("command") || command.isEmpty()) {
            n.missing("command", "the signing command and its arguments, e.g. [\"/usr/local/bin/sign-csr\"]");
        } else {
            Path program = Path.of(command.get(0));
            Path resolved = program.isAbsolute()
                    ? program
                    : n.directoryOfSource().resolve(program).normalize();
            if (command.get(0).contains("/") && !Files.isExecutable(resolved)) {
                n.error("command", Syntax.quote(command.get(0)) + " is not an executable file: " + resolved);
            } else if (command.get(0).contains("/")) {
                command.set(0, resolved.toString());
            }
        }
        Duration timeout = Scalars.duration(n, "timeout", ExecIssuerConfig.DEFAULT_TIMEOUT, Duration.ofSeconds(1));
        return new ExecIssuerConfig(name, command, timeout, n.source());
    }

    static RenewalConfig renewal(Node r) {
        r.allowOnly("check-interval", "retry-initial", "retry-max");
        RenewalConfig d = RenewalConfig.DEFAULT;
        Duration second = Duration.ofSeconds(1);
        Duration initial = Scalars.duration(r, "retry-initial", d.retryInitial(), second);
        Duration max = Scalars.duration(r, "retry-max", d.retryMax(), second);
        if (max.compareTo(initial) < 0) {
            r.error(
                    "retry-max",
                    Scalars.format(max) + " is shorter than retry-initial " + Scalars.format(initial)
                            + " (expected: retry-initial <= retry-max)");
        }
        return new RenewalConfig(Scalars.duration(r, "check-interval", d.checkInterval(), second), initial, max);
    }
}
