package io.mtlsproxy.admin.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.mtlsproxy.admin.testing.Tools;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes/ agrees with itself and with the proxy: the ConfigMap's configuration loads when exactly the
 * files the Deployment mounts exist (each Secret's keys: cert-manager's tls.crt/tls.key/ca.crt, or the listed
 * items), container ports, probes and Services point at the ports the configuration binds, the grace period
 * covers drain-delay + grace, the pod runs non-root on a read-only root filesystem, PROXY v2 is on at both ends
 * and the admin port is reachable from inside the cluster only.
 */
class KubernetesManifestsTest {
    private static final String MOUNT_ROOT = "/etc/mtls-proxy/";
    private static final List<String> CERT_MANAGER_KEYS = List.of("tls.crt", "tls.key", "ca.crt");
    private static List<JsonNode> objects;

    @TempDir
    Path dir;

    @BeforeAll
    static void read() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(Tools.repoRoot().resolve("deploy/kubernetes"))) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (var docs = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode doc = (JsonNode) docs.next();
                        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                            objects.add(doc);
                        }
                    }
                }
            }
        }
    }

    private static JsonNode object(String kind, String name) {
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind)
                        && o.path("metadata").path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/kubernetes"));
    }

    private static List<JsonNode> all(String kind) {
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .toList();
    }

    private static JsonNode pod() {
        return object("Deployment", "mtls-proxy").path("spec").path("template").path("spec");
    }

    private static JsonNode container() {
        return pod().path("containers").get(0);
    }

    /** The keys a volume puts in its directory: listed items, a ConfigMap's data, or a cert-manager Secret's. */
    private static List<String> keysOf(JsonNode volume) {
        JsonNode source = volume.has("secret") ? volume.path("secret") : volume.path("configMap");
        if (source.has("items")) {
            List<String> paths = new ArrayList<>();
            source.path("items").forEach(i -> paths.add(i.path("path").asText()));
            return paths;
        }
        if (volume.has("configMap")) {
            List<String> keys = new ArrayList<>();
            object("ConfigMap", source.path("name").asText())
                    .path("data")
                    .fieldNames()
                    .forEachRemaining(keys::add);
            return keys;
        }
        String secret = source.path("secretName").asText();
        boolean issued = all("Certificate").stream()
                .anyMatch(c -> c.path("spec").path("secretName").asText().equals(secret));
        assertTrue(issued, "Secret " + secret + " is neither a cert-manager Certificate's nor listed by items");
        return CERT_MANAGER_KEYS;
    }

    /** Lays the mounted files out under {@code dir} (empty: the loader checks that they exist) and loads. */
    private ProxyConfig loadAsMounted() throws Exception {
        for (JsonNode mount : container().path("volumeMounts")) {
            String name = mount.path("name").asText();
            JsonNode volume = null;
            for (JsonNode v : pod().path("volumes")) {
                if (v.path("name").asText().equals(name)) {
                    volume = v;
                }
            }
            assertNotNull(volume, "volume " + name + " is defined");
            assertFalse(mount.has("subPath"), "no subPath: the kubelet never updates a subPath mount");
            if (volume.has("emptyDir")) {
                continue;
            }
            Path at = dir.resolve(mount.path("mountPath").asText().substring(1));
            Files.createDirectories(at);
            for (String key : keysOf(volume)) {
                Files.writeString(
                        at.resolve(key),
                        volume.has("configMap")
                                ? object(
                                                "ConfigMap",
                                                volume.path("configMap")
                                                        .path("name")
                                                        .asText())
                                        .path("data")
                                        .path(key)
                                        .asText()
                                        .replace(MOUNT_ROOT, dir + MOUNT_ROOT)
                                : "");
            }
        }
        List<String> args = new ArrayList<>();
        container().path("args").forEach(a -> args.add(a.asText()));
        assertEquals("run", args.get(0));
        Path main = dir.resolve(args.get(args.indexOf("--config") + 1).substring(1));
        assertTrue(Files.exists(main), "the --config file is mounted: " + args);
        return ConfigLoader.load(main);
    }

    private static int containerPort(JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container().path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + port.asText());
    }

    @Test
    void everyFileTheConfigurationNamesIsMountedWithTheRightKey() throws Exception {
        ProxyConfig config = loadAsMounted(); // throws FILE:LINE: key: no such file ... for a missing one
        assertTrue(config.sessionTicketKeys().isPresent());
        assertTrue(config.admin().auth().flatMap(a -> a.tokenFile()).isPresent());
        assertEquals(1, config.routes().size(), "the routes ConfigMap is the routes-dir");
        ListenerConfig listener = config.listeners().get(0);
        assertTrue(
                listener.tls().certificates().get(0).cert().orElseThrow().path().endsWith("tls/tls.crt"));
        assertTrue(listener.tls().clientCa().orElseThrow().path().endsWith("clients-ca/ca.crt"));
    }

    @Test
    void portsProbesAndServicesMatchTheConfiguration() throws Exception {
        ProxyConfig config = loadAsMounted();
        int listenerPort = config.listeners().get(0).port();
        int health = config.admin().health().orElseThrow().port();
        assertEquals(
                listenerPort, containerPort(container().path("ports").get(0).path("name")));
        assertEquals(config.admin().port(), containerPort(new ObjectMapper().valueToTree("admin")));
        JsonNode readiness = container().path("readinessProbe").path("httpGet");
        assertEquals("/readyz", readiness.path("path").asText());
        assertEquals(health, containerPort(readiness.path("port")));
        JsonNode liveness = container().path("livenessProbe").path("httpGet");
        assertEquals("/healthz", liveness.path("path").asText());
        assertEquals(health, containerPort(liveness.path("port")));

        JsonNode lb = object("Service", "mtls-proxy");
        assertEquals("LoadBalancer", lb.path("spec").path("type").asText());
        assertEquals(
                listenerPort, containerPort(lb.path("spec").path("ports").get(0).path("targetPort")));
        JsonNode annotations = lb.path("metadata").path("annotations");
        assertEquals(
                "*",
                annotations
                        .path("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol")
                        .asText());
        assertTrue(config.listeners().get(0).proxyProtocol(), "PROXY v2 on both sides");
        assertEquals(
                "/readyz",
                annotations
                        .path("service.beta.kubernetes.io/aws-load-balancer-healthcheck-path")
                        .asText());
        assertEquals(
                String.valueOf(health),
                annotations
                        .path("service.beta.kubernetes.io/aws-load-balancer-healthcheck-port")
                        .asText());

        JsonNode adminService = object("Service", "mtls-proxy-admin");
        assertEquals(
                config.admin().port(),
                containerPort(adminService.path("spec").path("ports").get(0).path("targetPort")));
        JsonNode scrape = object("ServiceMonitor", "mtls-proxy")
                .path("spec")
                .path("endpoints")
                .get(0);
        assertEquals(
                adminService.path("spec").path("ports").get(0).path("name").asText(),
                scrape.path("port").asText());
        assertEquals("/metrics", scrape.path("path").asText());
        JsonNode token = scrape.path("authorization").path("credentials");
        Set<String> tokenKeys = new HashSet<>();
        for (JsonNode v : pod().path("volumes")) {
            if (v.path("secret")
                    .path("secretName")
                    .asText()
                    .equals(token.path("name").asText())) {
                v.path("secret")
                        .path("items")
                        .forEach(i -> tokenKeys.add(i.path("key").asText()));
            }
        }
        assertTrue(tokenKeys.contains(token.path("key").asText()), "Prometheus sends the token the proxy reads");
    }

    @Test
    void terminationCoversTheDrainAndThePodIsLockedDown() throws Exception {
        ProxyConfig config = loadAsMounted();
        long needed = config.drainDelay().plus(config.shutdownGrace()).toSeconds();
        assertTrue(config.drainDelay().toSeconds() > 0, "a drain delay for the load balancer");
        assertTrue(
                pod().path("terminationGracePeriodSeconds").asLong() > needed,
                "terminationGracePeriodSeconds above drain-delay + grace = " + needed);
        assertTrue(pod().path("securityContext").path("runAsNonRoot").asBoolean());
        assertTrue(pod().path("securityContext").path("runAsUser").asLong() > 0);
        assertTrue(container()
                .path("securityContext")
                .path("readOnlyRootFilesystem")
                .asBoolean());
        assertFalse(container()
                .path("securityContext")
                .path("allowPrivilegeEscalation")
                .asBoolean(true));
    }

    @Test
    void theAdminPortStaysInsideTheClusterAndTheFleetObjectsExist() throws Exception {
        ProxyConfig config = loadAsMounted();
        JsonNode policy = object("NetworkPolicy", "mtls-proxy").path("spec");
        boolean adminRule = false;
        for (JsonNode rule : policy.path("ingress")) {
            boolean admin = false;
            for (JsonNode p : rule.path("ports")) {
                admin |= p.path("port").asInt() == config.admin().port();
            }
            if (admin) {
                adminRule = true;
                assertTrue(rule.has("from") && !rule.path("from").isEmpty(), "the admin rule names its sources");
                for (JsonNode from : rule.path("from")) {
                    assertFalse(from.has("ipBlock"), "no address block from outside reaches the admin port");
                }
            }
        }
        assertTrue(adminRule, "the policy has a rule for the admin port");
        assertEquals(
                List.of("Ingress"), List.of(policy.path("policyTypes").get(0).asText()));
        object("PodDisruptionBudget", "mtls-proxy");
        JsonNode hpa = object("HorizontalPodAutoscaler", "mtls-proxy").path("spec");
        assertEquals("mtls-proxy", hpa.path("scaleTargetRef").path("name").asText());
        assertTrue(hpa.path("minReplicas").asInt() >= 2, "more than one replica: a fleet");
        assertTrue(all("Issuer").size() >= 1 && all("Certificate").size() >= 1, "cert-manager objects");
    }
}
