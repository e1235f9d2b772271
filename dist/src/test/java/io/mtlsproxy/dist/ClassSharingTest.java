package io.mtlsproxy.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class archive (bin/class-sharing), as the release archive ships it: the first check-config writes
 * it under ~/.cache/mtls-proxy, the next commands map their classes from it with the same output, new jars make a
 * new one in its place, and nothing about it (a failed check, a directory that cannot be written, tools missing)
 * changes what a command does.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClassSharingTest {
    /** What bin/class-sharing runs besides bash builtins, on top of what the launcher needs anyway. */
    private static final List<String> TOOLS =
            List.of("bash", "dirname", "readlink", "cksum", "stat", "mkdir", "mv", "rm");

    @TempDir
    static Path dir;

    static UnpackedArchive archive;
    static String toolPath;

    @BeforeAll
    static void unpack() throws Exception {
        archive = UnpackedArchive.unpack(dir);
        toolPath = UnpackedArchive.toolDirectory(dir.resolve("tools"), TOOLS).toString();
    }

    @Test
    void theFirstCheckConfigWritesTheArchiveTheNextOnesUseItAndNewJarsReplaceIt() throws Exception {
        Path work = Files.createDirectories(dir.resolve("first"));
        Path config = config(work, 18081);
        Path cache = work.resolve(".cache/mtls-proxy"); // HOME is the work directory

        UnpackedArchive.Result writing = check(work, config, Map.of());
        assertEquals(0, writing.exit(), writing.stderr());
        assertTrue(writing.stdout().startsWith("configuration OK: "), writing.stdout());
        List<Path> archives = files(cache);
        assertEquals(1, archives.size(), "one archive, no temporary file left: " + archives);
        assertTrue(archives.get(0).getFileName().toString().matches("mtls-proxy-\\d+-\\d+\\.jsa"), archives::toString);

        Path classLog = work.resolve("classes.log");
        UnpackedArchive.Result using = check(
                work,
                config,
                Map.of("MTLS_PROXY_JAVA_OPTS", UnpackedArchive.SMALL_JVM + " -Xlog:class+load=info:file=" + classLog));
        assertEquals(0, using.exit(), using.stderr());
        assertEquals(writing.stdout(), using.stdout());
        assertEquals(writing.stderr(), using.stderr(), "the JVM's archive messages stay out of the output");
        List<String> fromArchive;
        try (Stream<String> lines = Files.lines(classLog)) {
            fromArchive = lines.filter(l -> l.contains("source: shared objects file (top)"))
                    .toList();
        }
        // the archive the launcher wrote, not the JDK's own: our classes come from it
        assertTrue(
                fromArchive.stream().anyMatch(l -> l.contains(" io.mtlsproxy.config.ConfigLoader ")),
                "classes mapped from the launcher's archive: " + fromArchive.size());

        // an upgrade: new jars (here, one jar with a new time) make a new archive, which replaces the old one
        Path jar = archive.home
                .resolve("lib")
                .resolve(archive.home.resolve("lib").toFile().list((d, n) -> n.startsWith("proxy-config"))[0]);
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
        UnpackedArchive.Result upgraded = check(work, config, Map.of());
        assertEquals(0, upgraded.exit(), upgraded.stderr());
        List<Path> after = files(cache);
        assertEquals(1, after.size(), after::toString);
        assertNotEquals(archives.get(0), after.get(0));
    }

    @Test
    void aFailedCheckAnUnwritableDirectoryOffOrMissingToolsChangeNothingButTheArchive() throws Exception {
        Path work = Files.createDirectories(dir.resolve("second"));
        Path cache = work.resolve(".cache/mtls-proxy");
        Path bad = work.resolve("bad.conf");
        Files.writeString(bad, "listeners = [{ name = edge, port = 99999 }]\n");
        UnpackedArchive.Result failed = check(work, bad, Map.of());
        assertEquals(2, failed.exit(), failed.stderr());
        assertTrue(failed.stderr().contains("bad.conf:1: listeners[0].port"), failed.stderr());
        assertEquals(List.of(), files(cache), "a failed check loaded only part of the classes: no archive");

        Path config = config(work, 18082);
        Path notADirectory = Files.writeString(work.resolve("file"), "");
        UnpackedArchive.Result unwritable = check(
                work,
                config,
                Map.of("MTLS_PROXY_CDS_DIR", notADirectory.resolve("cds").toString()));
        assertEquals(0, unwritable.exit(), unwritable.stderr());
        assertTrue(unwritable.stdout().startsWith("configuration OK: "), unwritable.stdout());

        UnpackedArchive.Result off = check(work, config, Map.of("MTLS_PROXY_CDS_DIR", "off"));
        assertEquals(0, off.exit(), off.stderr());
        // the launcher's own few tools only (UnpackedArchive's PATH): no cksum or stat, so no archive
        UnpackedArchive.Result bare = archive.run(work, "check-config", "--config", config.toString());
        assertEquals(0, bare.exit(), bare.stderr());
        assertEquals(off.stdout(), bare.stdout());
        assertEquals(List.of(), files(cache));
        assertFalse(Files.exists(notADirectory.resolve("cds")));
    }

    private static UnpackedArchive.Result check(Path work, Path config, Map<String, String> env)
            throws IOException, InterruptedException {
        Map<String, String> withTools = new java.util.HashMap<>(env);
        withTools.put("PATH", toolPath);
        return archive.run(work, withTools, "check-config", "--config", config.toString());
    }

    /** A plain listener and one route: nothing to bind or read but the file itself. */
    private static Path config(Path work, int port) throws IOException {
        return Files.writeString(work.resolve("proxy.conf"), """
                listeners = [{ name = edge, bind = "127.0.0.1", port = %d }]
                routes = [{ name = alpha, listener = edge, upstream.endpoints = ["127.0.0.1:9"] }]
                """.formatted(port));
    }

    private static List<Path> files(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.sorted().toList();
        }
    }
}
