package io.mtlsproxy.bench.peer;

import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.process.CpuPlan;
import io.mtlsproxy.bench.process.ManagedProcess;
import io.mtlsproxy.bench.process.Ports;
import io.mtlsproxy.bench.scenario.Hop;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The origin every peer forwards to: one nginx on loopback with three ports, plain, TLS and mTLS (it verifies
 * the proxy's client identity against the origin CA), each serving {@code /small} (13 bytes), {@code /16k} and
 * {@code /64m}. It sits on the origin cores, whichever peer is measured.
 */
public record Origin(ManagedProcess process, Map<Hop, Integer> ports) implements AutoCloseable {
    public static final String SMALL_BODY = "hello, world\n";

    public static Origin start(Path nginx, Path runDir, BenchPki pki, CpuPlan cpus, long fileLimit, boolean root)
            throws IOException {
        Path dir = runDir.resolve("origin");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        sized(data.resolve("16k.bin"), 16 * 1024);
        sized(data.resolve("64m.bin"), 64L * 1024 * 1024);
        Map<Hop, Integer> ports = new EnumMap<>(Hop.class);
        for (Hop hop : Hop.values()) {
            ports.put(hop, Ports.free());
        }
        String locations =
                """
                    location = /small { default_type text/plain; return 200 "%s"; }
                    location = /16k { default_type application/octet-stream; alias %s; }
                    location = /64m { default_type application/octet-stream; alias %s; }
                """.formatted(SMALL_BODY.replace("\n", "\\n"), data.resolve("16k.bin"), data.resolve("64m.bin"));
        StringBuilder conf =
                new StringBuilder(Nginx.prelude(dir, cpus.originCores(), 4096, Math.min(fileLimit, 8192), root));
        conf.append("  sendfile on;\n");
        conf.append("  ssl_certificate ").append(pki.originCert()).append(";\n");
        conf.append("  ssl_certificate_key ").append(pki.originKey()).append(";\n");
        conf.append("  server {\n    listen 127.0.0.1:")
                .append(ports.get(Hop.PLAIN))
                .append(";\n")
                .append(locations)
                .append("  }\n");
        conf.append("  server {\n    listen 127.0.0.1:")
                .append(ports.get(Hop.TLS))
                .append(" ssl;\n")
                .append(locations)
                .append("  }\n");
        conf.append("  server {\n    listen 127.0.0.1:")
                .append(ports.get(Hop.MTLS))
                .append(" ssl;\n")
                .append("    ssl_client_certificate ")
                .append(pki.originCa())
                .append(";\n")
                .append("    ssl_verify_client on;\n    ssl_verify_depth 2;\n")
                .append(locations)
                .append("  }\n");
        conf.append("}\n");
        ManagedProcess process = Nginx.start("origin", nginx, dir, conf.toString(), Optional.of(cpus.origin()));
        try {
            process.awaitPorts(new ArrayList<>(ports.values()), Duration.ofSeconds(15));
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        return new Origin(process, Map.copyOf(ports));
    }

    /** A file of zeros of the given length (sparse: the page cache holds it, the disk does not). */
    private static void sized(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
