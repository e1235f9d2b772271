package io.mtlsproxy.core.rules;

import io.mtlsproxy.config.HeaderRuleSet;
import io.mtlsproxy.config.HeaderValue;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Map;

/**
 * One direction's header rules, compiled once per load: names as cached {@link AsciiString}s, constant values made
 * once; a value naming the client or the request ID is filled in per request. A variable without a value (no
 * verified certificate) leaves that header out rather than send it empty.
 */
public final class HeaderEdits {
    public static final HeaderEdits NONE = new HeaderEdits(HeaderRuleSet.NONE);

    private final AsciiString[] remove;
    private final Edit[] set;
    private final Edit[] add;

    private record Edit(AsciiString name, HeaderValue value, AsciiString constant) {}

    public HeaderEdits(HeaderRuleSet rules) {
        this.remove = rules.remove().stream().map(AsciiString::cached).toArray(AsciiString[]::new);
        this.set = edits(rules.set());
        this.add = edits(rules.add());
    }

    private static Edit[] edits(Map<String, HeaderValue> values) {
        return values.entrySet().stream()
                .map(e -> new Edit(
                        AsciiString.cached(e.getKey()),
                        e.getValue(),
                        e.getValue().constant()
                                ? AsciiString.cached(e.getValue().text())
                                : null))
                .toArray(Edit[]::new);
    }

    public boolean isEmpty() {
        return remove.length == 0 && set.length == 0 && add.length == 0;
    }

    /** Remove, then set, then add; {@code peer} counts only when verified. */
    public void apply(HttpHeaders headers, PeerIdentity peer, CharSequence requestId) {
        for (AsciiString name : remove) {
            headers.remove(name);
        }
        for (Edit e : set) {
            CharSequence v = valueOf(e, peer, requestId);
            if (v != null) {
                headers.set(e.name, v);
            } else {
                headers.remove(e.name); // a client cannot supply what the rule would have set
            }
        }
        for (Edit e : add) {
            CharSequence v = valueOf(e, peer, requestId);
            if (v != null) {
                headers.add(e.name, v);
            }
        }
    }

    private static CharSequence valueOf(Edit e, PeerIdentity peer, CharSequence requestId) {
        if (e.constant != null) {
            return e.constant;
        }
        List<HeaderValue.Part> parts = e.value.parts();
        if (parts.size() == 1 && parts.get(0) instanceof HeaderValue.Variable v) {
            return Variables.value(v.name(), peer, requestId);
        }
        StringBuilder out = new StringBuilder(64);
        for (HeaderValue.Part p : parts) {
            if (p instanceof HeaderValue.Literal l) {
                out.append(l.text());
            } else {
                CharSequence v = Variables.value(((HeaderValue.Variable) p).name(), peer, requestId);
                if (v == null) {
                    return null;
                }
                out.append(v);
            }
        }
        return out;
    }
}
