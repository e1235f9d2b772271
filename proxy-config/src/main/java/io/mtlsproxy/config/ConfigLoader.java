package io.mtlsproxy.config;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loads the main HOCON file and every {@code *.conf} of its {@code routes-dir} into a {@link ProxyConfig}.
 * Every problem is collected before failing; each names file, line and key ({@code FILE:LINE: key.path:
 * message}, sorted by file and line).
 *
 * <p>Paths in the configuration are relative to the file that names them. Environment variables substitute as
 * in HOCON ({@code ${VAR}}, {@code ${?VAR}}).
 */
public final class ConfigLoader {
    static final String ROUTES = "routes";
    private static final Duration MIN_RELOAD_INTERVAL = Duration.ofSeconds(1);

    private final Map<String, String> env;
    private final Problems problems = new Problems();
    private final Set<Path> watched = new LinkedHashSet<>();

    private ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** Loads {@code file}, substituting the process's environment variables. */
    public static ProxyConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    /** Loads {@code file}, substituting {@code ${VAR}} and {@code ${?VAR}} from {@code env}. */
    public static ProxyConfig load(Path file, Map<String, String> env) throws ConfigException {
        ConfigLoader loader = new ConfigLoader(env);
        Optional<HoconDocument> doc = HoconDocument.parseFile(file, env, loader.problems);
        return loader.finish(file, doc);
    }

    /**
     * Loads HOCON text as if read from {@code pretendFile}: relative paths (files, {@code routes-dir}) resolve
     * against its directory, and errors name it. For tests and tools that build a configuration in memory.
     */
    public static ProxyConfig parse(String hocon, Path pretendFile, Map<String, String> env) throws ConfigException {
        return parseWith(hocon, pretendFile, env);
    }

    /** {@link #parse(String, Path, Map)} without environment variables: a test's result never depends on them. */
    public static ProxyConfig parse(String hocon, Path pretendFile) throws ConfigException {
        return parseWith(hocon, pretendFile, Map.of());
    }

    private static ProxyConfig parseWith(String hocon, Path pretendFile, Map<String, String> env)
            throws ConfigException {
        ConfigLoader loader = new ConfigLoader(env);
        Optional<HoconDocument> doc = HoconDocument.parseString(hocon, pretendFile, env, loader.problems);
        return loader.finish(pretendFile, doc);
    }

    private ProxyConfig finish(Path file, Optional<HoconDocument> doc) throws ConfigException {
        if (doc.isEmpty()) {
            problems.throwIfAny();
        }
        ProxyConfig config = read(file, doc.get().root(problems));
        problems.throwIfAny();
        return config;
    }

    private ProxyConfig read(Path file, Node root) {
        root.allowOnly(
                "admin",
                "expiry",
                "listeners",
                "reload",
                "shutdown-grace",
                ObservabilityReader.ACCESS_LOG,
                ObservabilityReader.REQUEST_ID,
                "routes-dir",
                ROUTES,
                "issuers",
                "renewal",
                FleetReader.SHUTDOWN,
                FleetReader.SESSION_TICKETS,
                "clients");
        watched.add(absolute(file));
        AdminConfig admin = root.object("admin").map(ConfigLoader::admin).orElse(AdminConfig.DEFAULT);
        Source adminPort = root.child("admin")
                .flatMap(a -> a.child("port"))
                .map(Node::source)
                .orElse(root.source());
        ExpiryConfig expiry = root.object("expiry").map(ConfigLoader::expiry).orElse(ExpiryConfig.DEFAULT);
        ClientsConfig clients =
                root.object("clients").map(ConfigLoader::clients).orElse(ClientsConfig.DEFAULT);

        List<ParsedListener> listeners = new ArrayList<>();
        if (!root.has("listeners")) {
            root.missing("listeners", "listeners = [{ name, port, ... }], at least one");
        } else if (root.isEmptyList("listeners")) {
            root.error("listeners", "empty (expected: at least one listener)");
        }
        root.objectList("listeners").forEach(l -> listeners.add(ListenerReader.read(l)));

        ReloadConfig reload = root.object("reload").map(ConfigLoader::reload).orElse(ReloadConfig.DEFAULT);
        FleetReader.Shutdown shutdown = FleetReader.shutdown(root);
        Optional<FileRef> ticketKeys = FleetReader.sessionTicketKeys(root);
        ticketKeys.ifPresent(this::watch);
        String accessLog = ObservabilityReader.accessLogPath(root);
        AccessLogFormat accessLogFormat = ObservabilityReader.accessLogFormat(root);
        RequestIdConfig requestId = ObservabilityReader.requestId(root);

        List<ParsedRoute> routes = new ArrayList<>();
        root.objectList(ROUTES).forEach(r -> routes.add(RouteReader.read(r)));
        Optional<Path> routesDir = root.child("routes-dir").flatMap(ConfigLoader::routesDir);
        routesDir.ifPresent(dir -> routes.addAll(routeFiles(dir)));

        Map<String, IssuerConfig> issuers =
                root.object("issuers").map(IssuerReader::issuers).orElse(Map.of());
        RenewalConfig renewal =
                root.object("renewal").map(IssuerReader::renewal).orElse(RenewalConfig.DEFAULT);

        CrossChecks.check(admin, adminPort, listeners, routes, problems);
        List<ListenerConfig> listenerConfigs =
                listeners.stream().map(ParsedListener::config).toList();
        List<RouteConfig> routeConfigs =
                routes.stream().map(ParsedRoute::config).toList();
        RenewalChecks.check(issuers, listenerConfigs, routeConfigs, problems);
        watch(admin);
        listenerConfigs.forEach(this::watch);
        routeConfigs.forEach(this::watch);
        ContentHashes.SHARED.retainOnly(watched);
        return new ProxyConfig(
                absolute(file),
                admin,
                expiry,
                listenerConfigs,
                routeConfigs,
                reload,
                shutdown.grace(),
                accessLog,
                routesDir.map(ConfigLoader::absolute),
                List.copyOf(watched),
                issuers,
                renewal,
                shutdown.drainDelay(),
                ticketKeys,
                clients,
                requestId,
                accessLogFormat);
    }

    private static AdminConfig admin(Node a) {
        a.allowOnly("bind", "port", AdminReader.HEALTH, AdminReader.AUTH);
        String bind = bindAddress(a, AdminConfig.DEFAULT.bind());
        int port = Scalars.integer(a, "port", AdminConfig.DEFAULT.port(), 0, 65535);
        return new AdminConfig(
                bind,
                port,
                a.object(AdminReader.HEALTH).map(AdminReader::health),
                a.object(AdminReader.AUTH).map(AdminReader::auth));
    }

    /** An IP address to bind at {@code bind}, brackets of an IPv6 address removed. */
    static String bindAddress(Node n, String defaultValue) {
        String bind = Syntax.unbracket(n.text("bind", defaultValue));
        if (!Syntax.isBindAddress(bind)) {
            n.error("bind", "\"" + bind + "\" (expected: an IP address such as 127.0.0.1)");
        }
        return bind;
    }

    private static ExpiryConfig expiry(Node e) {
        e.allowOnly("warn-before", "critical-before");
        ExpiryConfig d = ExpiryConfig.DEFAULT;
        Duration warn = Scalars.duration(e, "warn-before", d.warnBefore(), Duration.ofSeconds(1));
        Duration critical = Scalars.duration(e, "critical-before", d.criticalBefore(), Duration.ZERO);
        if (critical.compareTo(warn) >= 0) {
            Node at =
                    e.child("critical-before").or(() -> e.child("warn-before")).orElse(e);
            e.problems()
                    .add(
                            at.source(),
                            e.pathOf("critical-before"),
                            Scalars.format(critical)
                                    + " is not before warn-before " + Scalars.format(warn)
                                    + " (expected: critical-before < warn-before)");
        }
        return new ExpiryConfig(warn, critical);
    }

    private static ClientsConfig clients(Node c) {
        c.allowOnly("max-tracked");
        return new ClientsConfig(Scalars.integer(
                c, "max-tracked", ClientsConfig.DEFAULT.maxTracked(), 1, ClientsConfig.MAX_TRACKED_LIMIT));
    }

    private static ReloadConfig reload(Node r) {
        r.allowOnly("watch", "interval");
        ReloadConfig d = ReloadConfig.DEFAULT;
        return new ReloadConfig(
                Scalars.bool(r, "watch", d.watch()),
                Scalars.duration(r, "interval", d.interval(), MIN_RELOAD_INTERVAL));
    }

    /**
     * The routes directory, relative to the file naming it and named the way that file was named (a relative
     * main file gives relative route file names), so that errors read like the user's own paths.
     */
    private static Optional<Path> routesDir(Node n) {
        return n.asText()
                .flatMap(text -> n.fileSystemPath(text).flatMap(named -> {
                    Path dir = Path.of(n.source().file()).resolveSibling(named).normalize();
                    if (!Files.isDirectory(dir)) {
                        n.error(Syntax.quote(text) + ": no such directory: " + absolute(dir)
                                + " (expected: a directory of *.conf route files)");
                        return Optional.empty();
                    }
                    return Optional.of(dir);
                }));
    }

    /**
     * Every {@code *.conf} of the routes directory, by name; each holds {@code routes = [...]} only. The files are
     * parsed in parallel (the HOCON parser was a fifth of {@code check-config} at 10,000 routes in 100 files), each
     * with its own problems, and merged in name order: routes and errors come out as a one-thread read gives them.
     */
    private List<ParsedRoute> routeFiles(Path dir) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.conf")) {
            stream.forEach(p -> {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            });
        } catch (IOException e) {
            problems.add(new Source(dir.toString(), 0), "routes-dir", "cannot list the directory: " + e);
        }
        files.sort(null);
        List<ParsedRoute> routes = new ArrayList<>();
        for (RouteFile read : files.parallelStream().map(this::routeFile).toList()) {
            watched.add(absolute(read.file()));
            routes.addAll(read.routes());
            problems.addAll(read.problems());
        }
        RouteFileCache.SHARED.retain(dir, files);
        return routes;
    }

    /** One route file's routes and problems, read on whichever thread the parallel stream gives it. */
    private record RouteFile(Path file, List<ParsedRoute> routes, Problems problems) {}

    private RouteFile routeFile(Path f) {
        RouteFileCache cache = RouteFileCache.SHARED;
        Problems found = new Problems();
        Optional<byte[]> before = RouteFileCache.digest(f);
        Optional<List<ParsedRoute>> known = cache.routes(f, before, env);
        if (known.isPresent()) {
            return new RouteFile(f, known.get(), found);
        }
        List<ParsedRoute> read = new ArrayList<>();
        HoconDocument.parseFile(f, env, found).ifPresent(doc -> {
            Node root = doc.root(found);
            root.allowOnlyWithHint(" (expected: a route file holds only routes = [...])", ROUTES);
            root.objectList(ROUTES).forEach(r -> read.add(RouteReader.read(r)));
        });
        // kept only when read cleanly from the content that was hashed (not half of a write)
        Optional<byte[]> after = RouteFileCache.digest(f);
        if (found.isEmpty() && before.isPresent() && after.isPresent() && Arrays.equals(before.get(), after.get())) {
            cache.remember(f, before.get(), env, read);
        }
        return new RouteFile(f, read, found);
    }

    private void watch(AdminConfig admin) {
        admin.auth().flatMap(AdminConfig.Auth::tokenFile).ifPresent(this::watch); // a rotated token is re-read
    }

    private void watch(ListenerConfig l) {
        l.tls().certificates().forEach(this::watch);
        l.tls().clientCa().ifPresent(this::watch);
        l.tls().crl().ifPresent(this::watch);
    }

    private void watch(RouteConfig r) {
        r.upstream().tls().trustCa().ifPresent(this::watch);
        r.upstream().tls().clientIdentity().ifPresent(this::watch);
    }

    private void watch(KeyMaterial k) {
        k.cert().ifPresent(this::watch);
        k.key().ifPresent(this::watch);
        k.keystore().ifPresent(this::watch);
    }

    private void watch(FileRef f) {
        watched.add(f.path());
    }

    private static Path absolute(Path p) {
        return p.toAbsolutePath().normalize();
    }
}
