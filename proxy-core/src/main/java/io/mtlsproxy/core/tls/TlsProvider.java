package io.mtlsproxy.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/** Chooses netty-tcnative's BoringSSL when it loads, the JDK's provider otherwise. */
public final class TlsProvider {
    private TlsProvider() {
    }

    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** One line for the start-up log: which provider and why. */
    public static String describe() {
        if (OpenSsl.isAvailable()) {
            return "OPENSSL (" + OpenSsl.versionString() + ")";
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return "JDK (OpenSSL unavailable: " + (cause == null ? "unknown" : cause.getMessage()) + ")";
    }
}
