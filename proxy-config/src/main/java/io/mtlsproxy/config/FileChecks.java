package io.mtlsproxy.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Existence checks of the files a configuration names: errors at load, never at the first handshake. What is
 * inside a file (a PEM without a certificate, a key that does not match) is core's TlsMaterialCheck's job.
 */
final class FileChecks {
    private FileChecks() {}

    static void checkReadableFile(FileRef ref, Problems problems) {
        Path p = ref.path();
        if (!Files.exists(p)) {
            problems.add(ref.source(), ref.key(), "no such file: " + p);
        } else if (!Files.isRegularFile(p)) {
            problems.add(ref.source(), ref.key(), "not a regular file: " + p);
        } else if (!Files.isReadable(p)) {
            problems.add(ref.source(), ref.key(), "cannot be read (permission denied): " + p);
        }
    }

    /** The directory a log file would be written in must exist; the file itself may not, yet. */
    static void checkWritableLocation(Path file, Source source, String key, Problems problems) {
        Path dir = file.getParent();
        if (Files.isDirectory(file)) {
            problems.add(source, key, "is a directory (expected: a file path, \"stdout\" or \"off\"): " + file);
        } else if (dir == null || !Files.isDirectory(dir)) {
            problems.add(
                    source,
                    key,
                    "no such directory: " + dir
                            + " (expected: \"stdout\", \"stderr\", \"off\" or a path in an existing directory)");
        } else if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(dir)) {
            problems.add(source, key, "cannot be written (permission denied): " + file);
        }
    }
}
