package io.netty.handler.ssl;

import javax.net.ssl.SSLEngine;

/**
 * Test-only window into whether BoringSSL resumed a session (Netty keeps the accessor package-private).
 * Lives in Netty's package on the test classpath only.
 */
public final class SessionReuse {
    private SessionReuse() {}

    /** True/false for an OpenSSL engine; null when the engine cannot tell (the JDK's). */
    public static Boolean isReused(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
            return openSsl.isSessionReused();
        }
        return null;
    }
}
