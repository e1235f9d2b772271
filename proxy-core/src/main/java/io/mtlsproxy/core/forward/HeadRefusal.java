package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.inbound.RefusalWording;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/** Why the proxy answers a request head itself, whatever its route: a status and a reason in a client's words. */
record HeadRefusal(int status, String reason) {
    /** A head the decoder could not read: 431, 414 or 400. */
    static HeadRefusal malformed(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) {
            return new HeadRefusal(431, "request headers exceed max-header-size");
        }
        if (cause instanceof TooLongHttpLineException) {
            return new HeadRefusal(414, "request line too long");
        }
        return new HeadRefusal(
                400,
                "malformed request: "
                        + (cause instanceof TooLongFrameException ? "too long" : RefusalWording.of(cause)));
    }

    /** An Expect other than 100-continue (417) or a declared body over max-body-size (413); null: none. */
    static HeadRefusal unforwardable(HttpRequest req, long maxBody) {
        String expect = req.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            return new HeadRefusal(417, "unsupported Expect: " + expect);
        }
        long declared = HttpUtil.getContentLength(req, -1L);
        if (declared > maxBody) {
            return new HeadRefusal(
                    413, "request body of " + declared + " bytes exceeds max-body-size of " + maxBody + " bytes");
        }
        return null;
    }
}
