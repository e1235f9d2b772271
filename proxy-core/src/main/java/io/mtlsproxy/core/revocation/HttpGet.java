package io.mtlsproxy.core.revocation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.time.Duration;

/**
 * One blocking HTTP GET of a small document (a CRL), with connect and read timeouts and a size cap. Blocking on
 * purpose: it runs on the fetcher's own thread or on a start or reload thread, never on an event loop.
 */
final class HttpGet {
    static final int MAX_BYTES = 32 * 1024 * 1024;

    private HttpGet() {}

    static byte[] fetch(URI url, Duration timeout) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection(Proxy.NO_PROXY);
        c.setConnectTimeout((int) timeout.toMillis());
        c.setReadTimeout((int) timeout.toMillis());
        c.setInstanceFollowRedirects(false); // a redirect to https or elsewhere is the publisher's mistake: say so
        c.setUseCaches(false);
        try {
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
