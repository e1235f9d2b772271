package io.mtlsproxy.core.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks a TLS 1.2 server for a client-initiated renegotiation with {@code openssl s_client}, then sends a request.
 * s_client renegotiates when it reads a line "R", and only when it runs without {@code -ign_eof}; so its input is
 * kept open for a moment after each line, so that an accepted renegotiation shows as a served request (checked
 * against the JDK with {@code -Djdk.tls.rejectClientInitiatedRenegotiation=false}).
 */
public final class OpenSslRenegotiation {
    private static final String SCRIPT = "openssl=$1; port=$2; ca=$3; shift 3; "
            + "(printf 'R\\n'; sleep 1; "
            + "printf 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n'; sleep 1) "
            + "| \"$openssl\" s_client -connect 127.0.0.1:\"$port\" -servername localhost -CAfile \"$ca\" "
            + "-tls1_2 \"$@\"";

    private OpenSslRenegotiation() {}

    /** {@code options} go to s_client as they are (e.g. {@code -cert}, {@code -key}). */
    public static ExternalProcess.Result attempt(int port, Path caFile, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "sh",
                "-c",
                SCRIPT,
                "sh",
                ExternalProcess.binary("openssl"),
                Integer.toString(port),
                caFile.toString()));
        cmd.addAll(List.of(options));
        return ExternalProcess.run(cmd, null, 30);
    }
}
