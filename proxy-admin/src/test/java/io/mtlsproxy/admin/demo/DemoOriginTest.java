package io.mtlsproxy.admin.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.channel.DefaultChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A demo origin whose client goes away mid-request (the proxy does so when its own client resets an HTTP/2 stream,
 * which an h2spec run does a hundred times) closes quietly: no "exceptionCaught ... reached at the tail of the
 * pipeline" warning per connection, and it serves the next client.
 */
@Timeout(30)
class DemoOriginTest {
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Logger pipelineLog = (Logger) LoggerFactory.getLogger(DefaultChannelPipeline.class);
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                warnings.add(event.getFormattedMessage());
            }
        }
    };
    private EventLoopGroup group;
    private DemoOrigin origin;

    @BeforeEach
    void start() throws Exception {
        appender.start();
        pipelineLog.addAppender(appender);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        origin = DemoOrigin.start("plain", group, 0, null);
    }

    @AfterEach
    void stop() {
        pipelineLog.detachAppender(appender);
        origin.close();
        group.shutdownGracefully().syncUninterruptibly();
    }

    @Test
    void aClientGoneMidRequestIsClosedWithoutAWarning() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket("127.0.0.1", origin.port())) {
                s.getOutputStream()
                        .write(("POST /half HTTP/1.1\r\nHost: origin\r\nContent-Length: 100\r\n\r\nabc")
                                .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                if (i % 2 == 0) {
                    s.setSoLinger(true, 0); // a TCP reset: "Connection reset" on the origin's side
                }
            } // else a FIN mid-body: "Channel closed while still aggregating message"
        }
        assertEquals(200, get("/after"), "the origin serves on");
        Thread.sleep(200); // the closes are handled on the origin's event loop
        assertEquals(List.of(), warnings);
    }

    private int get(String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", origin.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(head.startsWith("HTTP/1.1 "), head);
            return Integer.parseInt(head.substring(9, 12));
        }
    }
}
