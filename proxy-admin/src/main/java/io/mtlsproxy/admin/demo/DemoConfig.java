package io.mtlsproxy.admin.demo;

import java.util.List;

/**
 * Writes the demo's configuration: three listeners (plain, tls, mtls) and, on each, three routes by path
 * prefix (/plain, /tls, /mtls), one per origin: all nine inbound x outbound combinations. The file is kept in
 * the state directory so that a user can read it and run it with {@code run --config}.
 */
public final class DemoConfig {
    /** The inbound modes in listener order. */
    public static final List<String> INBOUND = List.of("plain", "tls", "mtls");
    /** The outbound modes in route order, each with its own demo origin. */
    public static final List<String> OUTBOUND = List.of("plain", "tls", "mtls");

    private DemoConfig() {}

    /**
     * @param listenerPorts ports of the plain, tls and mtls listeners (0 = any free port)
     * @param originPorts ports of the plain, tls and mtls origins
     */
    public static String render(List<Integer> listenerPorts, List<Integer> originPorts, int adminPort) {
        StringBuilder c = new StringBuilder();
        c.append("# mtls-proxy demo configuration (generated; paths are relative to this file)\n");
        c.append("admin { bind = \"127.0.0.1\", port = ").append(adminPort).append(" }\n");
        c.append("access-log = \"off\"\n");
        c.append("reload { watch = true, interval = 2s }\n");
        c.append("shutdown-grace = 5s\n\n");
        c.append("listeners = [\n");
        c.append("  { name = plain, bind = \"127.0.0.1\", port = ")
                .append(listenerPorts.get(0))
                .append(" }\n");
        c.append("  { name = tls, bind = \"127.0.0.1\", port = ")
                .append(listenerPorts.get(1))
                .append("\n");
        c.append("    tls { mode = tls, certificates = [{ cert = \"proxy.crt\", key = \"proxy.key\" }\n");
        c.append("      # expires in ")
                .append(DemoPki.EXPIRING_DAYS)
                .append(" days on purpose (SNI ")
                .append(DemoPki.EXPIRING_NAME)
                .append("): what an expiring certificate looks like on /certs\n");
        c.append("      { cert = \"expiring-example.crt\", key = \"expiring-example.key\" }] } }\n");
        c.append("  { name = mtls, bind = \"127.0.0.1\", port = ")
                .append(listenerPorts.get(2))
                .append("\n");
        c.append("    tls { mode = mtls, client-auth = required, client-ca = \"ca.crt\",\n");
        c.append("          certificates = [{ cert = \"proxy.crt\", key = \"proxy.key\" }] } }\n");
        c.append("]\n\n");
        c.append("routes = [\n");
        for (String in : INBOUND) {
            for (int o = 0; o < OUTBOUND.size(); o++) {
                String out = OUTBOUND.get(o);
                c.append("  { name = ")
                        .append(in)
                        .append("-to-")
                        .append(out)
                        .append(", listener = ")
                        .append(in)
                        .append(", match { path-prefix = \"/")
                        .append(out)
                        .append("\" }\n");
                if (in.equals("mtls")) {
                    c.append(
                            "    client-identity { require = true, allow { uri-sans = [\"spiffe://demo.local/ns/demo/*\"] } }\n");
                }
                c.append("    upstream { endpoints = [\"127.0.0.1:")
                        .append(originPorts.get(o))
                        .append("\"]");
                switch (out) {
                    case "plain" -> c.append(" }\n");
                    case "tls" ->
                        c.append("\n      tls { mode = tls, trust-ca = \"origin-ca.crt\", "
                                + "server-name = \"localhost\" } }\n");
                    default ->
                        c.append("\n      tls { mode = mtls, trust-ca = \"origin-ca.crt\", "
                                        + "server-name = \"localhost\",\n")
                                .append("            cert = \"proxy-client.crt\", key = \"proxy-client.key\" } }\n");
                }
                c.append("  }\n");
            }
        }
        c.append("]\n");
        return c.toString();
    }
}
