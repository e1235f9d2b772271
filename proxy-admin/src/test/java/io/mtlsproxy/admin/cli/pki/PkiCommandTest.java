package io.mtlsproxy.admin.cli.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PkiCommandTest {
    @Test
    void withoutASubcommandPrintsUsageAndExitsTwo() {
        PkiCli.Result r = PkiCli.run("pki");
        assertEquals(2, r.exit());
        for (String sub : List.of("init-ca", "issue", "revoke", "renew", "inspect")) {
            assertTrue(r.err().contains(sub), r.err());
        }
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : List.of("init-ca", "issue", "revoke", "renew", "inspect")) {
            PkiCli.Result r = PkiCli.ok("pki", sub, "--help");
            assertTrue(r.out().startsWith("Usage: mtls-proxy pki " + sub), r.out());
        }
    }
}
