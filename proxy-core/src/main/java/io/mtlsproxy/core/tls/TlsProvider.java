package io.mtlsproxy.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;

/**
 * Chooses netty-tcnative's BoringSSL when it loads, the JDK's provider otherwise. The system property
 * {@code mtlsproxy.tls.provider} ({@code jdk} or {@code openssl}) forces one, e.g. to run the tests on both.
 */
public final class TlsProvider {
    public static final String PROPERTY = "mtlsproxy.tls.provider";

    private TlsProvider() {}

    public static SslProvider provider() {
        String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        if (forced.equals("jdk")) {
            return SslProvider.JDK;
        }
        if (forced.equals("openssl")) {
            return SslProvider.OPENSSL;
        }
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** One line for the start-up log: which provider and why. */
    public static String describe() {
        if (provider() == SslProvider.JDK) {
            Throwable cause = OpenSsl.unavailabilityCause();
            return "JDK ("
                    + (OpenSsl.isAvailable()
                            ? "forced by -D" + PROPERTY
                            : "OpenSSL unavailable: " + (cause == null ? "unknown" : cause.getMessage()))
                    + ")";
        }
        return "OPENSSL (" + OpenSsl.versionString() + ")";
    }
}
