package io.mtlsproxy.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file is hashed again whenever it may have changed, and only then: a stat vouches for a file only when its
 * last change was well before the read it remembers; a rewrite that restores the size and modification time is
 * still seen (its change time moved); a file changed within the racy window is read at every call.
 */
class ContentHashesTest {
    @TempDir
    Path dir;

    /** A clock that the test moves: "now" is well after the files' writes unless the test says otherwise. */
    final AtomicLong now = new AtomicLong(System.currentTimeMillis() + 60_000);

    final ContentHashes hashes = new ContentHashes(now::get);

    private static byte[] sha256(String text) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(text.getBytes());
    }

    @Test
    void anUnchangedQuietFileIsReadOnce() throws Exception {
        Path f = Files.writeString(dir.resolve("a.pem"), "one");
        assertArrayEquals(sha256("one"), hashes.sha256(f).orElseThrow());
        assertArrayEquals(sha256("one"), hashes.sha256(f).orElseThrow());
        assertArrayEquals(sha256("one"), hashes.sha256(dir.resolve("./a.pem")).orElseThrow(), "same file, other name");
        assertEquals(1, hashes.reads());
    }

    @Test
    void aRewriteThatRestoresSizeAndModificationTimeIsSeen() throws Exception {
        Path f = Files.writeString(dir.resolve("a.pem"), "one");
        FileTime old = Files.getLastModifiedTime(f);
        hashes.sha256(f);
        Thread.sleep(20); // a later change time than the first write, even on a coarse clock tick
        Files.writeString(f, "two"); // same size
        Files.setLastModifiedTime(f, old); // as cp -p or touch -r would leave it
        assertArrayEquals(sha256("two"), hashes.sha256(f).orElseThrow());
        assertEquals(2, hashes.reads());
    }

    @Test
    void aFileChangedJustBeforeTheReadIsReadAtEveryCall() throws Exception {
        Path f = Files.writeString(dir.resolve("a.pem"), "one");
        now.set(System.currentTimeMillis()); // the write is within the racy window of the read
        hashes.sha256(f);
        hashes.sha256(f);
        assertEquals(2, hashes.reads(), "a stat cannot vouch for a file changed in the read's clock tick");
        now.addAndGet(ContentHashes.RACY_MILLIS + 1_000);
        hashes.sha256(f); // read at a time well after the write: remembered from now on
        hashes.sha256(f);
        assertEquals(3, hashes.reads());
    }

    @Test
    void aReplacedOrRemovedFileIsSeenAndForgotten() throws Exception {
        Path f = Files.writeString(dir.resolve("a.pem"), "one");
        hashes.sha256(f);
        Path next = Files.writeString(dir.resolve("a.pem.new"), "two");
        Files.move(next, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // a renewal's rename: a new inode
        assertArrayEquals(sha256("two"), hashes.sha256(f).orElseThrow());
        Files.delete(f);
        assertFalse(hashes.sha256(f).isPresent());
        Files.writeString(f, "three");
        hashes.retainOnly(List.of());
        assertArrayEquals(sha256("three"), hashes.sha256(f).orElseThrow());
        assertTrue(hashes.reads() >= 3);
    }
}
