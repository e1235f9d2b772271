package io.mtlsproxy.core.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Checks the raw bytes of one request head for what Netty's decoder accepts leniently but RFC 9112 lets a server
 * refuse, and a proxy should: a request line that is not exactly {@code method SP target SP HTTP/1.x CRLF}
 * (several spaces, tabs, a leading space, a lower-case or unknown version, a byte outside visible ASCII in the
 * target) and obs-fold (a header line starting with a space or tab, which Netty silently joins to the previous
 * value). Lenient parsing is where front end and origin start to disagree about a request, so these are refused.
 * Everything else in the head (header names and values, bare CR or LF, sizes) Netty's strict decoder checks.
 * <p>
 * It keeps a few bytes of state and no buffer, so a head may arrive in any number of pieces. Empty lines before the
 * request line are skipped, as RFC 9112 §2.2 allows.
 */
final class RequestHeadScanner {
    private static final byte[] VERSION = {'H', 'T', 'T', 'P', '/', '1', '.'};

    private enum State {
        START,
        METHOD,
        TARGET,
        VERSION,
        VERSION_CR,
        VERSION_LF,
        LINE_START,
        LINE,
        END_CR,
        DONE
    }

    private State state = State.START;
    private int count;
    /** One step per byte, through ByteBuf.forEachByte: no bounds check and no virtual call per byte. */
    private final ByteProcessor stepper = b -> {
        step(b & 0xff);
        return state != State.DONE;
    };

    /** Ready for the next request head. */
    void reset() {
        state = State.START;
        count = 0;
    }

    /** True once the empty line that ends the head was seen. */
    boolean done() {
        return state == State.DONE;
    }

    /**
     * Scans {@code buf} from {@code from} (absolute index) to its writer index, stopping after the end of the head.
     * Returns the index after the last byte scanned; throws {@link IllegalArgumentException} with a reason that
     * fits in a 400 answer when a byte breaks the rules.
     */
    int scan(ByteBuf buf, int from) {
        int end = buf.writerIndex();
        if (from >= end || state == State.DONE) {
            return from;
        }
        int last = buf.forEachByte(from, end - from, stepper); // the byte that ended the head, or -1
        return last < 0 ? end : last + 1;
    }

    private void step(int b) {
        switch (state) {
            case START -> {
                if (b == '\r' || b == '\n') {
                    return; // empty lines before a request line are skipped (Netty checks CR LF pairing)
                }
                if (!isTchar(b)) {
                    throw new IllegalArgumentException("invalid request line (expected: method SP target SP HTTP/1.1)");
                }
                state = State.METHOD;
            }
            case METHOD -> {
                if (b == ' ') {
                    state = State.TARGET;
                    count = 0;
                } else if (!isTchar(b)) {
                    throw new IllegalArgumentException("invalid method (expected: a token followed by one space)");
                }
            }
            case TARGET -> {
                if (b == ' ' && count > 0) {
                    state = State.VERSION;
                    count = 0;
                } else if (b > 0x20 && b < 0x7f) {
                    count++;
                } else {
                    throw new IllegalArgumentException(
                            count == 0
                                    ? "invalid request line (expected: one space " + "before the target)"
                                    : "invalid character 0x" + Integer.toHexString(b)
                                            + " in request target (expected: visible ASCII)");
                }
            }
            case VERSION -> {
                boolean ok = count < VERSION.length ? b == VERSION[count] : b == '0' || b == '1';
                if (!ok) {
                    throw new IllegalArgumentException("unsupported HTTP version (expected: HTTP/1.1 or HTTP/1.0)");
                }
                if (++count > VERSION.length) {
                    state = State.VERSION_CR;
                }
            }
            case VERSION_CR -> {
                if (b != '\r') {
                    throw new IllegalArgumentException("invalid request line (expected: CR LF after the version)");
                }
                state = State.VERSION_LF;
            }
            case VERSION_LF -> {
                if (b != '\n') {
                    throw new IllegalArgumentException("bare CR in the request line");
                }
                state = State.LINE_START;
            }
            case LINE_START -> {
                if (b == ' ' || b == '\t') {
                    throw new IllegalArgumentException("obs-fold: a header line may not start with a space or tab");
                }
                state = b == '\r' ? State.END_CR : State.LINE;
            }
            case LINE -> {
                if (b == '\n') {
                    state = State.LINE_START;
                }
            }
            case END_CR -> {
                if (b != '\n') {
                    throw new IllegalArgumentException("bare CR in the request head");
                }
                state = State.DONE;
            }
            case DONE -> throw new IllegalStateException("head already complete");
        }
    }

    /** RFC 9110 §5.6.2 tchar. */
    static boolean isTchar(int b) {
        return b >= 'a' && b <= 'z'
                || b >= 'A' && b <= 'Z'
                || b >= '0' && b <= '9'
                || b == '!'
                || b == '#'
                || b == '$'
                || b == '%'
                || b == '&'
                || b == '\''
                || b == '*'
                || b == '+'
                || b == '-'
                || b == '.'
                || b == '^'
                || b == '_'
                || b == '`'
                || b == '|'
                || b == '~';
    }
}
