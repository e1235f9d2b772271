package io.mtlsproxy.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What {@code %{...}} in a header rule may name. */
public enum HeaderVariable {
    /** the verified client certificate's subject (RFC 2253) */
    CLIENT_SUBJECT("client.subject"),
    /** its first URI SAN (a SPIFFE ID) */
    CLIENT_URI_SAN("client.uri-san"),
    /** the lowercase hex SHA-256 of its DER */
    CLIENT_SHA256("client.sha256"),
    /** the request ID (see {@code request-id}) */
    REQUEST_ID("request.id");

    private final String configName;

    HeaderVariable(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    static Optional<HeaderVariable> named(String name) {
        return Arrays.stream(values()).filter(v -> v.configName.equals(name)).findFirst();
    }

    static List<String> names() {
        return Arrays.stream(values()).map(HeaderVariable::configName).toList();
    }
}
