package io.mtlsproxy.admin.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.OneRouteConfig;
import io.mtlsproxy.core.reload.ReloadResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtls-proxy run --config conf/mtls-proxy.conf} names the file relatively; its reloads must load it under
 * that same name, so that an unchanged file changes nothing and an error names the file as check-config does.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyAppReloadTest {
    @TempDir
    Path dir;

    @Test
    void aReloadOfARelativelyNamedConfigChangesNothingAndNamesTheFileTheSameWay() throws Exception {
        Path file = dir.resolve("proxy.conf");
        OneRouteConfig.write(file);
        Path relative = Path.of("").toAbsolutePath().relativize(file);
        assertFalse(relative.isAbsolute());

        try (ProxyApp app = ProxyApp.start(relative)) {
            ReloadResult unchanged = app.reload();
            assertTrue(unchanged.ok(), unchanged::toString);
            assertEquals(List.of(), unchanged.changed(), "nothing changed on disk");

            OneRouteConfig.breakIt(file);
            ReloadResult refused = app.reload();
            assertFalse(refused.ok());
            assertTrue(
                    refused.errors().get(0).toString().startsWith(relative + ":"),
                    () -> "named as on the command line: " + refused.errors());
        }
    }
}
