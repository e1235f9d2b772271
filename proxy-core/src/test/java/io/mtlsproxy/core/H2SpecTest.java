package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * h2spec, the HTTP/2 conformance suite nobody on this team wrote (RFC 9113 and RFC 7541, 146 cases), against a TLS
 * listener and an mTLS listener with {@code client-auth = optional} (h2spec presents no certificate), both routed to
 * an HTTP/1.1 origin that answers with a body of a few hundred bytes (h2spec skips its flow-control cases
 * when the body is too short to split). Every case must pass; a failure names the cases and what h2spec expected. The binary is
 * {@code ../shared/tools/h2spec} from the project root, as in CI.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class H2SpecTest {
    static final int CASES = 146;

    @TempDir
    static Path dir;

    static TestOrigin origin;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        TestPki.Ca ca = pki.ca("h2spec");
        TestPki.Leaf server = ca.server("proxy", "localhost");
        origin = TestOrigin.plain("h2spec");
        proxy = ProxyServer.builder().metrics(ProxyMetrics.inMemory()).build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(
                        TestConfigs.listener("tls", TestConfigs.tls(server)),
                        TestConfigs.listener(
                                "mtls", TestConfigs.mtls(server, ca.certFile(), ClientAuth.OPTIONAL, false))),
                List.of(
                        TestConfigs.route("tls-all", "tls")
                                .endpoint(origin.port())
                                .build(),
                        TestConfigs.route("mtls-all", "mtls")
                                .endpoint(origin.port())
                                .build())));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @ParameterizedTest(name = "listener {0}")
    @ValueSource(strings = {"tls", "mtls"})
    void everyCasePasses(String listener) throws Exception {
        Path report = dir.resolve("h2spec-" + listener + ".xml");
        int before = origin.requests();
        ExternalProcess.Result run = ExternalProcess.run(
                List.of(
                        h2spec().toString(),
                        "-t",
                        "-k",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(proxy.port(listener)),
                        "-P",
                        "/h2spec/",
                        "-o",
                        "5",
                        "-j",
                        report.toString()),
                null,
                150);
        assertTrue(Files.exists(report), "h2spec wrote its report: " + run.stdout() + run.stderr());
        Report r = Report.read(report);
        assertEquals(CASES, r.cases(), "h2spec ran every case: " + run.stdout());
        assertEquals(List.of(), r.failed(), "h2spec failures on listener " + listener);
        assertEquals(List.of(), r.skipped(), "h2spec skipped cases on listener " + listener);
        assertEquals(0, run.exitCode(), run.stdout());
        assertTrue(origin.requests() > before, "the requests h2spec sent reached the origin");
    }

    /** The tool, from the project root (the parent of this module) as {@code ../shared/tools/h2spec}. */
    static Path h2spec() {
        Path module = Path.of("").toAbsolutePath();
        Path root = Files.exists(module.resolve("proxy-core")) ? module : module.getParent();
        Path tool = root.resolve("../shared/tools/h2spec").normalize();
        assertTrue(Files.isExecutable(tool), "h2spec not found at " + tool + " (see shared/tools/README.md)");
        return tool;
    }

    /** What h2spec's JUnit report says: cases run, the failed ones (name and message), skipped ones. */
    record Report(int cases, List<String> failed, List<String> skipped) {
        static Report read(Path xml) throws Exception {
            NodeList cases = DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(xml.toFile())
                    .getElementsByTagName("testcase");
            List<String> failed = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                NodeList failures = c.getElementsByTagName("failure");
                NodeList errors = c.getElementsByTagName("error");
                if (failures.getLength() + errors.getLength() > 0) {
                    Element f = (Element) (failures.getLength() > 0 ? failures.item(0) : errors.item(0));
                    failed.add(name(c) + ": " + f.getTextContent().strip());
                }
                NodeList skips = c.getElementsByTagName("skipped");
                if (skips.getLength() > 0) {
                    skipped.add(name(c) + ": " + skips.item(0).getTextContent().strip());
                }
            }
            return new Report(cases.getLength(), failed, skipped);
        }

        /** As h2spec names a case: its section and description, e.g. {@code http2/5.1 closed: Sends a HEADERS frame}. */
        private static String name(Element c) {
            return c.getAttribute("package") + " " + c.getAttribute("classname");
        }
    }
}
