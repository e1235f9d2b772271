package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.DnsNames;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What is read of a ClientHello in Java: the SNI host name and the ALPN protocols offered (the ACME challenge
 * handler), or the SNI alone (the handshake observer of a listener without SniHandler, which lists a refused
 * handshake with its SNI). The parser reads with absolute indexes only, checks every length against what is
 * left, and answers {@link #NOTHING} for anything malformed, truncated or duplicated: such a hello is then never
 * answered as an ACME validation, and the TLS stack behind refuses it on its own.
 */
public record ClientHelloSummary(Optional<String> serverName, List<String> alpn) {
    public static final ClientHelloSummary NOTHING = new ClientHelloSummary(Optional.empty(), List.of());

    private static final int RECORD_HANDSHAKE = 22;
    private static final int HANDSHAKE_CLIENT_HELLO = 1;
    private static final int EXTENSION_SERVER_NAME = 0;
    private static final int EXTENSION_ALPN = 16;
    private static final int NAME_TYPE_HOST = 0;

    public ClientHelloSummary {
        requireNonNull(serverName, "serverName");
        alpn = List.copyOf(alpn);
    }

    public boolean offers(String protocol) {
        return alpn.contains(protocol);
    }

    /** The summary of {@code body} (readerIndex to writerIndex; not consumed), {@link #NOTHING} when malformed. */
    public static ClientHelloSummary parse(ByteBuf body) {
        if (body == null) {
            return NOTHING;
        }
        try {
            return new Reader(body).hello(true);
        } catch (Malformed e) {
            return NOTHING;
        }
    }

    /**
     * The SNI of the ClientHello that {@code firstRead} (a connection's first bytes; not consumed) starts with,
     * without its ALPN list. Null when the hello is not whole in these bytes (split over reads or records): only the
     * TLS engine can tell then. {@link #NOTHING} when they are no ClientHello or a malformed one.
     */
    public static ClientHelloSummary ofFirstRecord(ByteBuf firstRead) {
        int at = firstRead.readerIndex();
        int readable = firstRead.readableBytes();
        if (readable < 5 + 4) {
            return null;
        }
        if (firstRead.getUnsignedByte(at) != RECORD_HANDSHAKE
                || firstRead.getUnsignedByte(at + 5) != HANDSHAKE_CLIENT_HELLO) {
            return NOTHING;
        }
        int recordLength = firstRead.getUnsignedShort(at + 3);
        int helloLength = firstRead.getUnsignedMedium(at + 6);
        if (helloLength > recordLength - 4 || 5 + recordLength > readable) {
            return null;
        }
        try {
            return new Reader(firstRead, at + 9, at + 9 + helloLength).hello(false);
        } catch (Malformed e) {
            return NOTHING;
        }
    }

    /** A bounds-checked cursor over one buffer region. */
    private static final class Reader {
        private final ByteBuf buf;
        private int at;
        private final int end;

        Reader(ByteBuf buf) {
            this(buf, buf.readerIndex(), buf.writerIndex());
        }

        private Reader(ByteBuf buf, int at, int end) {
            this.buf = buf;
            this.at = at;
            this.end = end;
        }

        /** The hello's summary; without {@code alpn}, that extension is skipped like any other. */
        ClientHelloSummary hello(boolean alpn) {
            skip(2 + 32); // client_version, random
            skip(u8()); // session_id
            skip(u16()); // cipher_suites
            skip(u8()); // compression_methods
            if (at == end) {
                return NOTHING; // no extensions at all
            }
            Reader extensions = sub(u16());
            expectEnd();
            Optional<String> sni = Optional.empty();
            List<String> protocols = null;
            boolean sawSni = false;
            while (!extensions.done()) {
                int type = extensions.u16();
                int length = extensions.u16();
                if (type == EXTENSION_SERVER_NAME) {
                    if (sawSni) {
                        throw new Malformed(); // a duplicate extension is a fatal error in TLS anyway
                    }
                    sawSni = true;
                    sni = extensions.sub(length).serverName();
                } else if (type == EXTENSION_ALPN && alpn) {
                    if (protocols != null) {
                        throw new Malformed();
                    }
                    protocols = extensions.sub(length).protocols();
                } else {
                    extensions.skip(length); // no cursor object for an extension nobody reads
                }
            }
            if (!sawSni && protocols == null) {
                return NOTHING;
            }
            return new ClientHelloSummary(sni, protocols == null ? List.of() : protocols);
        }

        private Optional<String> serverName() {
            Reader list = sub(u16());
            expectEnd();
            Optional<String> host = Optional.empty();
            while (!list.done()) {
                int nameType = list.u8();
                Reader name = list.sub(list.u16());
                if (nameType == NAME_TYPE_HOST) {
                    if (host.isPresent() || name.end == name.at) {
                        throw new Malformed(); // RFC 6066: one host_name at most, never empty
                    }
                    host = Optional.of(DnsNames.normalize(name.ascii()));
                }
            }
            return host;
        }

        private List<String> protocols() {
            Reader list = sub(u16());
            expectEnd();
            List<String> out = new ArrayList<>();
            while (!list.done()) {
                Reader name = list.sub(list.u8());
                if (name.end == name.at) {
                    throw new Malformed(); // RFC 7301: empty protocol names are not allowed
                }
                out.add(name.bytes()); // opaque bytes; only the exact "acme-tls/1" matters
            }
            return out;
        }

        private String ascii() {
            for (int i = at; i < end; i++) {
                byte b = buf.getByte(i);
                if (b < 0x21 || b > 0x7e) {
                    throw new Malformed(); // host names are printable ASCII
                }
            }
            return buf.toString(at, end - at, StandardCharsets.US_ASCII);
        }

        private String bytes() {
            return buf.toString(at, end - at, StandardCharsets.ISO_8859_1);
        }

        private boolean done() {
            return at == end;
        }

        private void expectEnd() {
            if (at != end) {
                throw new Malformed();
            }
        }

        private Reader sub(int length) {
            need(length);
            Reader r = new Reader(buf, at, at + length);
            at += length;
            return r;
        }

        private int u8() {
            need(1);
            return buf.getUnsignedByte(at++);
        }

        private int u16() {
            need(2);
            int v = buf.getUnsignedShort(at);
            at += 2;
            return v;
        }

        private void skip(int n) {
            need(n);
            at += n;
        }

        private void need(int n) {
            if (n < 0 || end - at < n) {
                throw new Malformed();
            }
        }
    }

    /** Thrown inside the parser only; never escapes {@link #parse}. */
    private static final class Malformed extends RuntimeException {
        Malformed() {
            super(null, null, false, false);
        }
    }
}
