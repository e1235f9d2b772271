package io.mtlsproxy.admin.build;

import io.mtlsproxy.core.tls.TlsProvider;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * What this binary is: the project version and git commit Maven wrote into {@code build-info.properties}, and the
 * Netty and TLS provider it runs with. {@code --version}, {@code GET /server-info} and
 * {@code mtls_proxy_build_info} all say the same thing because they all read this.
 *
 * @param commit      the commit built, 12 hex digits; {@code unknown} when built without git (a source tarball, a
 *                    docker context)
 * @param tlsProvider {@code openssl} or {@code jdk}: the values of {@code -Dmtlsproxy.tls.provider}
 * @param tlsLibrary  the provider's own name and version, e.g. {@code BoringSSL (netty-tcnative 2.0.84.Final)}
 */
public record BuildInfo(String version, String commit, String netty, String tlsProvider, String tlsLibrary) {
    public static final String UNKNOWN = "unknown";
    private static final String RESOURCE = "build-info.properties";

    private static volatile BuildInfo current;

    /** This process's build; the first call loads the TLS provider (tcnative), so never call it on an event loop. */
    public static BuildInfo current() {
        BuildInfo b = current;
        if (b == null) {
            b = load();
            current = b;
        }
        return b;
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        Version netty = Version.identify().get("netty-common");
        SslProvider provider = TlsProvider.provider();
        String library = provider == SslProvider.JDK
                ? "JDK " + System.getProperty("java.vendor") + " " + System.getProperty("java.version")
                : OpenSsl.versionString() + " (netty-tcnative " + filled(p.getProperty("tcnative")) + ")";
        return new BuildInfo(
                filled(p.getProperty("version")),
                filled(p.getProperty("commit")),
                netty == null ? UNKNOWN : netty.artifactVersion(),
                provider.name().toLowerCase(Locale.ROOT),
                library);
    }

    /** A value Maven did not fill in is still its {@code ${placeholder}}. */
    private static String filled(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? UNKNOWN : value.trim();
    }

    /** The lines of {@code mtls-proxy --version}. */
    public List<String> versionLines() {
        return List.of(
                "mtls-proxy " + version + " (commit " + commit + ")",
                "netty " + netty,
                "tls provider: " + tlsProvider + ", " + tlsLibrary,
                "java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ")");
    }
}
