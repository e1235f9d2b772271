package io.mtlsproxy.core.revocation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.time.Duration;

/**
 * One blocking HTTP GET of a small document (a CRL), or POST of a small request (OCSP), with connect and read
 * timeouts and a size cap. Blocking on purpose: it runs on the fetcher's own thread, on a start or reload thread or
 * on the OCSP client-check executor, never on an event loop.
 */
final class HttpGet {
    static final int MAX_BYTES = 32 * 1024 * 1024;

    private HttpGet() {}

    static byte[] fetch(URI url, Duration timeout) throws IOException {
        return exchange(url, timeout, null, null);
    }

    /** POSTs {@code body} as {@code contentType} and returns the answer's body. */
    static byte[] post(URI url, String contentType, byte[] body, Duration timeout) throws IOException {
        return exchange(url, timeout, contentType, body);
    }

    private static byte[] exchange(URI url, Duration timeout, String contentType, byte[] body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection(Proxy.NO_PROXY);
        c.setConnectTimeout((int) timeout.toMillis());
        c.setReadTimeout((int) timeout.toMillis());
        c.setInstanceFollowRedirects(false); // a redirect to https or elsewhere is the publisher's mistake: say so
        c.setUseCaches(false);
        try {
            if (body != null) {
                c.setRequestMethod("POST");
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", contentType);
                c.setFixedLengthStreamingMode(body.length);
                try (java.io.OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            if (status != 200) {
                throw new IOException("HTTP " + status + " from " + url);
            }
            try (InputStream in = c.getInputStream()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[16 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (out.size() + n > MAX_BYTES) {
                        throw new IOException(url + " is larger than " + MAX_BYTES + " bytes");
                    }
                    out.write(buf, 0, n);
                }
                return out.toByteArray();
            }
        } finally {
            c.disconnect();
        }
    }
}
