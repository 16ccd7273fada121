package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** The socket wait the agent and the coordinator loops use instead of JeroMQ's Poller. */
class ReadinessTest {

    private final ZContext ctx = new ZContext(1);
    private final Wakeup wakeup = new Wakeup();

    @AfterEach
    void close() {
        wakeup.close();
        ctx.close();
    }

    private ZMQ.Socket[] pair(String name) {
        ZMQ.Socket a = ctx.createSocket(SocketType.PAIR);
        ZMQ.Socket b = ctx.createSocket(SocketType.PAIR);
        a.bind("inproc://" + name);
        b.connect("inproc://" + name);
        return new ZMQ.Socket[] {a, b};
    }

    @Test
    void aMessageEndsTheWaitAndIsReportedReadableUntilRead() {
        ZMQ.Socket[] p = pair("msg");
        try (Readiness ready = new Readiness(List.of(p[0]), List.of(wakeup.source()))) {
            Thread sender = new Thread(() -> {
                sleep(200);
                p[1].send("hello");
            });
            sender.start();
            long t0 = System.nanoTime();
            ready.await(30_000);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("woken by the message, not the 30 s timeout")
                    .isLessThan(20_000);
            assertThat(Readiness.readable(p[0])).isTrue();
            assertThat(ready.selected(wakeup.source())).isFalse();
            // Input already announced does not signal ZMQ_FD again: await must not block while it is unread.
            t0 = System.nanoTime();
            ready.await(30_000);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(20_000);
            assertThat(p[0].recvStr()).isEqualTo("hello");
            assertThat(Readiness.readable(p[0])).isFalse();
        }
    }

    @Test
    void aWakeUpEndsTheWaitAndSaysWhichChannel() {
        ZMQ.Socket[] p = pair("wake");
        try (Readiness ready = new Readiness(List.of(p[0]), List.of(wakeup.source()))) {
            new Thread(() -> {
                sleep(200);
                wakeup.wake();
            }).start();
            ready.await(30_000);
            assertThat(ready.selected(wakeup.source())).isTrue();
            assertThat(Readiness.readable(p[0])).isFalse();
            wakeup.drain();
            ready.await(0); // only looks
            assertThat(ready.selected(wakeup.source())).as("drained").isFalse();
        }
    }

    @Test
    void withNothingToReadItWaitsOutItsTimeout() {
        ZMQ.Socket[] p = pair("idle");
        try (Readiness ready = new Readiness(List.of(p[0]), List.of(wakeup.source()))) {
            long t0 = System.nanoTime();
            ready.await(300);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("waited, did not spin out at once").isGreaterThanOrEqualTo(250);
            assertThat(ready.selected(wakeup.source())).isFalse();
            assertThat(ready.spuriousWakes()).isZero();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
