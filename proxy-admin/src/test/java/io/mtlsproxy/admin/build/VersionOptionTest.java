package io.mtlsproxy.admin.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.Main;
import io.mtlsproxy.core.tls.TlsProvider;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code mtls-proxy --version}: what a bug report needs, filled in by the build, never "dev". */
class VersionOptionTest {
    @Test
    void printsTheVersionTheCommitNettyAndTheTlsProvider() {
        StringWriter out = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        assertEquals(0, cl.execute("--version"));
        String[] lines = out.toString().split("\n");
        assertTrue(lines[0].matches("mtls-proxy \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit [0-9a-f]{12}\\)"), lines[0]);
        assertTrue(lines[1].matches("netty 4\\.\\d+\\.\\d+\\.Final"), lines[1]);
        String tls = TlsProvider.provider() == SslProvider.OPENSSL
                ? "tls provider: openssl, " + OpenSsl.versionString() + " (netty-tcnative 2."
                : "tls provider: jdk, JDK ";
        assertTrue(lines[2].startsWith(tls), lines[2]);
        assertTrue(lines[3].startsWith("java " + Runtime.version()), lines[3]);
    }
}
