package io.mtlsproxy.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A comment that moves every line is no change to a reload; a changed setting, however deep, is one. */
class SameMeaningTest {
    @TempDir
    Path dir;

    @Test
    void movedLinesAreNoChange() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        f.write("logs/.keep", "");
        ProxyConfig before = f.load(ConfigLoaderTest.FULL);
        ProxyConfig after = f.load("# rotated the certificates on 2026-11-25\n\n" + ConfigLoaderTest.FULL);

        RouteConfig r0 = before.routes().get(0);
        RouteConfig r1 = after.routes().get(0);
        assertNotEquals(r0, r1, "equals sees the line numbers move");
        assertTrue(SameMeaning.test(r0, r1));
        assertTrue(SameMeaning.test(r0.upstream(), r1.upstream()));
        assertTrue(SameMeaning.test(before.listeners().get(0), after.listeners().get(0)));
    }

    @Test
    void aChangedSettingDeepInsideIsAChange() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        f.write("logs/.keep", "");
        ProxyConfig before = f.load(ConfigLoaderTest.FULL);
        ProxyConfig hostname = f.load(ConfigLoaderTest.FULL.replace(
                "server-name = \"orders.internal\"", "server-name = \"orders2.internal\""));
        assertFalse(SameMeaning.test(
                before.routes().get(0).upstream(), hostname.routes().get(0).upstream()));

        ProxyConfig allowList = f.load(ConfigLoaderTest.FULL.replace("\"spiffe://example.org/ns/dev/*\"", ""));
        assertFalse(SameMeaning.test(before.routes().get(0), allowList.routes().get(0)));

        ProxyConfig depth = f.load(ConfigLoaderTest.FULL.replace("verify-depth = 3", "verify-depth = 4"));
        assertFalse(
                SameMeaning.test(before.listeners().get(0), depth.listeners().get(0)));

        ProxyConfig key = f.load(ConfigLoaderTest.FULL.replace("key = \"pki/client.key\"", "key = \"pki/other.key\""));
        assertFalse(SameMeaning.test(
                before.routes().get(0).upstream(), key.routes().get(0).upstream()));
    }
}
