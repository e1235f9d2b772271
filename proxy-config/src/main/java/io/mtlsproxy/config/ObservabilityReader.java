package io.mtlsproxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads {@code access-log} (a string naming where lines go, or an object {@code { path, format, fields }}) and
 * {@code request-id}.
 */
final class ObservabilityReader {
    static final String ACCESS_LOG = "access-log";
    static final String REQUEST_ID = "request-id";
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private ObservabilityReader() {}

    /** {@code stdout}, {@code stderr}, {@code off}, or a file (stored as an absolute path). */
    static String accessLogPath(Node root) {
        return root.child(ACCESS_LOG)
                .flatMap(n -> n.value() instanceof com.typesafe.config.ConfigObject
                        ? n.child("path")
                        : java.util.Optional.of(n))
                .flatMap(n -> n.asText().map(text -> path(n, text)))
                .orElse("stdout");
    }

    private static String path(Node n, String text) {
        if (text.equals("stdout") || text.equals("stderr") || text.equals("off")) {
            return text;
        }
        if (text.isBlank()) {
            n.error("\"\" (expected: \"stdout\", \"stderr\", \"off\" or a file path)");
            return "stdout";
        }
        return n.fileSystemPath(text)
                .map(named -> {
                    Path p = n.directoryOfSource().resolve(named).normalize();
                    FileChecks.checkWritableLocation(p, n.source(), n.path(), n.problems());
                    return p.toString();
                })
                .orElse("stdout");
    }

    static AccessLogFormat accessLogFormat(Node root) {
        return root.child(ACCESS_LOG)
                .filter(n -> n.value() instanceof com.typesafe.config.ConfigObject)
                .map(ObservabilityReader::format)
                .orElse(AccessLogFormat.DEFAULT);
    }

    private static AccessLogFormat format(Node a) {
        a.allowOnly("path", "format", "fields");
        AccessLogFormat.Style style =
                Scalars.enumValue(a, "format", AccessLogFormat.Style.class, AccessLogFormat.Style.DEFAULT);
        List<String> fields = new ArrayList<>();
        for (Node f : a.stringList("fields")) {
            String name = f.string().trim().toLowerCase(Locale.ROOT);
            if (AccessLogFormat.FIELDS.contains(name)) {
                fields.add(name);
            } else {
                f.error(Syntax.quote(f.string()) + " is no access log field (expected: one of "
                        + String.join(", ", AccessLogFormat.FIELDS) + ")"
                        + DidYouMean.hint(name, AccessLogFormat.FIELDS));
            }
        }
        return new AccessLogFormat(style, fields);
    }

    static RequestIdConfig requestId(Node root) {
        return root.object(REQUEST_ID)
                .map(r -> {
                    r.allowOnly("header", "trust-incoming", "enabled");
                    String header =
                            r.text("header", RequestIdConfig.DEFAULT.header()).trim();
                    if (!TOKEN.matcher(header).matches()) {
                        r.error("header", Syntax.quote(header) + " (expected: a header name such as X-Request-Id)");
                        header = RequestIdConfig.DEFAULT.header();
                    }
                    return new RequestIdConfig(
                            header, Scalars.bool(r, "trust-incoming", false), Scalars.bool(r, "enabled", true));
                })
                .orElse(RequestIdConfig.DEFAULT);
    }
}
