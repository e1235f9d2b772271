package io.mtlsproxy.core.inbound;

import java.util.List;

/**
 * Why a request head was refused, in the product's words: the 400's body and the access log's reason. Netty's
 * decoder explains its refusals in its own grammar ("Content-Length are not allowed in HTTP/1.1 messages that
 * contains a Transfer-Encoding header."); each known one is said here as the rest of the product says things.
 * Our own {@link RequestHeadScanner}'s reasons, and anything not listed, pass unchanged.
 */
public final class RefusalWording {
    private record Rule(String fragment, String wording) {}

    private static final List<Rule> RULES = List.of(
            new Rule(
                    "Content-Length are not allowed",
                    "Content-Length together with Transfer-Encoding (send one, "
                            + "not both: the two could frame the body differently)"),
            new Rule("Multiple Content-Length values", "several different Content-Length values"),
            new Rule("Content-Length value", "Content-Length is not a number"),
            new Rule("Transfer-Encoding header is only allowed", "Transfer-Encoding in an HTTP/1.0 request"),
            new Rule("final transfer coding must be chunked", "Transfer-Encoding must end with chunked"),
            new Rule("chunked must be the last encoding", "Transfer-Encoding must end with chunked"),
            new Rule(
                    "chunked transfer coding must not be applied more than once",
                    "Transfer-Encoding names chunked twice"),
            new Rule("header name can only contain", "invalid character in a header name"),
            new Rule("header value contains prohibited character", "invalid character in a header value"),
            new Rule("empty headers are not allowed", "a header line without a name"),
            new Rule("Invalid separator", "invalid separator in the request line (expected: single spaces)"),
            new Rule("Illegal character in request line", "invalid character in the request line"),
            new Rule("Illegal character in HTTP Method", "invalid character in the method"),
            new Rule("The HTTP method name contain illegal", "invalid character in the method"),
            new Rule("The URI contain illegal", "invalid character in the request target"),
            new Rule("nvalid version", "unsupported HTTP version (expected: HTTP/1.1 or HTTP/1.0)"),
            new Rule("prohibited trailing header", "a header that is not allowed in the trailers"));

    private RefusalWording() {}

    /** The reason for a refused head, from the decoder's failure. */
    public static String of(Throwable failure) {
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            return "malformed request head";
        }
        for (Rule r : RULES) {
            if (message.contains(r.fragment())) {
                return r.wording();
            }
        }
        return message;
    }
}
