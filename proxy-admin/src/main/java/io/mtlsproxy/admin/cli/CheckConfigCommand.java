package io.mtlsproxy.admin.cli;

import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ConfigWarnings;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.config.UpstreamProtocol;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import io.mtlsproxy.core.tls.ExpiryState;
import io.mtlsproxy.core.tls.TlsMaterialCheck;
import io.mtlsproxy.core.tls.TlsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code check-config --config FILE}: loads the configuration as {@code run} would — the HOCON with every
 * route file, then every certificate, key, CA and CRL it names — and prints every problem as
 * {@code FILE:LINE: key.path: message} on stderr (exit 2), or a one-screen summary on stdout (exit 0), after
 * any warnings ({@code FILE:LINE: key: warning: message}, see {@link ConfigWarnings}) on stderr.
 * Exit 1 is never used for a configuration problem, so scripts can tell "bad config" from "tool broke".
 */
@Command(
        name = "check-config",
        mixinStandardHelpOptions = true,
        description = "Validates a configuration: exit 0 and a summary, or every error as FILE:LINE: key: message"
                + " on stderr and exit 2.")
public final class CheckConfigCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            required = true,
            paramLabel = "FILE",
            description = "The main configuration file (its routes-dir is read too).")
    Path config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws ConfigException { // its errors are printed by Main, exit 2
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // The TLS provider's own start-up (netty-tcnative loaded, TLS 1.3 support probed through a JDK context) does
        // not depend on the configuration, and was a tenth of check-config at 1,000 certificates: it runs while the
        // route files are parsed. Whoever needs the provider first waits for that class initialization to finish.
        Thread warmUp = new Thread(TlsProvider::provider, "tls-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        ProxyConfig loaded = ConfigLoader.load(config);
        TlsMaterialCheck.Result material = TlsMaterialCheck.check(loaded);
        if (!material.errors().isEmpty()) {
            List<ConfigError> sorted = new ArrayList<>(material.errors());
            sorted.sort(null);
            throw new ConfigException(sorted);
        }
        // what runs but will not do what the file seems to say: on stderr, as errors are, but exit 0
        ConfigWarnings.of(loaded).forEach(w -> err.println(w));
        err.flush();
        out.print(summary(loaded, material, Instant.now()));
        out.flush();
        return 0;
    }

    /**
     * What the proxy would run: listeners, routes, and every certificate (and CRL) with its days left. "until" is
     * a certificate's not-after, or a CRL's next update.
     */
    static String summary(ProxyConfig c, TlsMaterialCheck.Result material, Instant now) {
        StringBuilder s = new StringBuilder();
        long files = c.routes().stream().map(r -> r.source().file()).distinct().count();
        s.append("configuration OK: ").append(c.file());
        c.routesDir().ifPresent(d -> s.append(" + routes-dir ").append(d));
        s.append(" (")
                .append(count(c.routes().size(), "route"))
                .append(" from ")
                .append(count(files, "file"))
                .append(")\n");
        s.append("admin: http://")
                .append(hostPort(c.admin().bind(), c.admin().port()))
                .append("   access-log: ")
                .append(c.accessLog())
                .append('\n');

        Table listeners = new Table("name", "address", "tls", "client-auth", "certificates", "proxy-protocol");
        for (ListenerConfig l : c.listeners()) {
            TlsMode mode = l.tls().mode();
            listeners.row(
                    l.name(),
                    hostPort(l.bind(), l.port()),
                    mode.configName(),
                    mode == TlsMode.MTLS ? lower(l.tls().clientAuth()) : "-",
                    mode == TlsMode.NONE
                            ? "-"
                            : String.valueOf(l.tls().certificates().size()),
                    l.proxyProtocol() ? "yes" : "no");
        }
        s.append("\nlisteners (").append(c.listeners().size()).append("):\n").append(listeners);

        Table routes = new Table("name", "listener", "match", "protocol", "identity", "upstream", "endpoints");
        for (RouteConfig r : c.routes()) {
            routes.row(
                    r.name(),
                    r.listener(),
                    r.match().host().orElse("*") + r.match().pathPrefix(),
                    lower(r.protocol()),
                    identity(r),
                    lower(r.upstream().tls().mode()) + (r.upstream().protocol() == UpstreamProtocol.H2 ? "/h2" : ""),
                    r.upstream().endpoints().stream().map(Object::toString).collect(Collectors.joining(", ")));
        }
        s.append("\nroutes (").append(c.routes().size()).append("):\n").append(routes);

        Table certs = new Table("usage", "owner", "subject", "until", "days left", "state");
        for (CertificateUse u : material.certificates()) {
            X509Certificate x = u.certificate();
            certs.row(
                    u.usage(),
                    u.owner(),
                    x.getSubjectX500Principal().getName(),
                    x.getNotAfter().toInstant().toString(),
                    daysLeft(x.getNotAfter().toInstant(), now),
                    ExpiryState.of(x, now, c.expiry()).label());
        }
        for (CrlUse crl : material.crls()) {
            Instant next = crl.crl().getNextUpdate() == null
                    ? null
                    : crl.crl().getNextUpdate().toInstant();
            certs.row(
                    CrlUse.LISTENER_CRL,
                    crl.owner(),
                    crl.crl().getIssuerX500Principal().getName(),
                    next == null ? "-" : next.toString(),
                    next == null ? "-" : daysLeft(next, now),
                    next != null && next.isBefore(now) ? "stale" : "valid");
        }
        s.append("\ncertificates (")
                .append(material.certificates().size())
                .append(")")
                .append(
                        material.crls().isEmpty()
                                ? ""
                                : " and CRLs (" + material.crls().size() + ")")
                .append(":\n")
                .append(certs.isEmpty() ? "  (none loaded)\n" : certs.toString());
        return s.toString();
    }

    private static String identity(RouteConfig r) {
        ClientIdentity id = r.clientIdentity();
        if (!id.require() && id.allow().admitsAnyVerified()) {
            return "-";
        }
        String what = id.allow().admitsAnyVerified() ? "any verified" : "allow-list";
        return what
                + (id.require() ? ", required" : "")
                + (id.mode() == IdentityMode.REPORT_ONLY ? ", report-only" : "");
    }

    /** "1 route", "2 routes". */
    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String daysLeft(Instant notAfter, Instant now) {
        return String.valueOf(Duration.between(now, notAfter).toDays());
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Left-aligned columns, two spaces apart, indented by two. */
    private static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        boolean isEmpty() {
            return rows.size() == 1;
        }

        @Override
        public String toString() {
            int[] width = new int[rows.get(0).length];
            for (String[] r : rows) {
                for (int i = 0; i < r.length; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            StringBuilder s = new StringBuilder();
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder("  ");
                for (int i = 0; i < r.length; i++) {
                    line.append(r[i]);
                    // padded by hand: String.format for every cell of 10,000 routes is a cost of its own
                    for (int pad = i < r.length - 1 ? width[i] - r[i].length() + 2 : 0; pad > 0; pad--) {
                        line.append(' ');
                    }
                }
                s.append(line.toString().stripTrailing()).append('\n');
            }
            return s.toString();
        }
    }
}
