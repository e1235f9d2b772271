package io.mtlsproxy.admin.cli.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.Cli;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PkiCommandTest {
    @Test
    void withoutASubcommandPrintsUsageAndExitsTwo() {
        Cli.Result r = Cli.run("pki");
        assertEquals(2, r.exit());
        for (String sub : List.of("init-ca", "issue", "revoke", "renew", "inspect")) {
            assertTrue(r.err().contains(sub), r.err());
        }
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : List.of("init-ca", "issue", "revoke", "renew", "inspect")) {
            Cli.Result r = Cli.ok("pki", sub, "--help");
            assertTrue(r.out().startsWith("Usage: mtls-proxy pki " + sub), r.out());
        }
    }
}
