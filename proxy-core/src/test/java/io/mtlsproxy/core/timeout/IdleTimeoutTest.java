package io.mtlsproxy.core.timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class IdleTimeoutTest {
    private final List<Object> events = new ArrayList<>();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast("idle", new IdleTimeout(100, TimeUnit.MILLISECONDS));
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
        return ch;
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void firesFirstThenRepeatsWhileNothingHappens() {
        EmbeddedChannel ch = channel();
        advance(ch, 99);
        assertTrue(events.isEmpty(), "not idle before the timeout");
        advance(ch, 1);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events);
        advance(ch, 100);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, IdleStateEvent.ALL_IDLE_STATE_EVENT), events);
        ch.finishAndReleaseAll();
    }

    @Test
    void aWriteOrAReadStartsTheWaitAgain() {
        EmbeddedChannel ch = channel();
        advance(ch, 90);
        ch.writeOutbound("out");
        advance(ch, 90); // 180 ms after the start, 90 after the write
        assertTrue(events.isEmpty(), "a write is activity");
        ch.writeInbound("in");
        advance(ch, 90);
        assertTrue(events.isEmpty(), "a read is activity");
        advance(ch, 10);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events);
        ch.writeOutbound("again");
        advance(ch, 100);
        assertEquals(
                IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, events.get(1), "activity makes the next one first again");
        ch.finishAndReleaseAll();
    }

    @Test
    void stopsWhenTheChannelCloses() {
        EmbeddedChannel ch = channel();
        ch.close();
        advance(ch, 500);
        assertTrue(events.isEmpty());
    }
}
