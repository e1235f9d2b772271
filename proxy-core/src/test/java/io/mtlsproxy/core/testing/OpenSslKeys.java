package io.mtlsproxy.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;

/**
 * A private key rewritten by the openssl command line, as operators' keys are: both forms state the public point,
 * which the JDK's own PKCS#8 encoding leaves out. Each call checks the form it got.
 */
public final class OpenSslKeys {
    private OpenSslKeys() {}

    /** {@code openssl ec}: SEC1 ("EC PRIVATE KEY"), with the curve and the point. */
    public static Path sec1(Path in, Path out) throws Exception {
        openssl("ec", "-in", in.toString(), "-out", out.toString());
        assertInstanceOf(PEMKeyPair.class, pemObject(out));
        return out;
    }

    /** {@code openssl pkcs8 -topk8 -nocrypt}: unencrypted PKCS#8, what {@code openssl genpkey} writes. */
    public static Path pkcs8(Path in, Path out) throws Exception {
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", in.toString(), "-out", out.toString());
        assertInstanceOf(PrivateKeyInfo.class, pemObject(out));
        return out;
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ExternalProcess.binary("openssl")));
        command.addAll(List.of(args));
        ExternalProcess.Result r = ExternalProcess.run(command, null, 30);
        assertEquals(0, r.exitCode(), r.stderr());
    }

    /** The one object a PEM file holds, as BouncyCastle's parser types it. */
    private static Object pemObject(Path file) throws Exception {
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(file))) {
            return parser.readObject();
        }
    }
}
