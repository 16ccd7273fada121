package io.zcl.basics.traps;

import io.zcl.basics.Args;
import io.zcl.basics.RoleThreads;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQ.Socket;

/**
 * Trap: the high-water mark (HWM). Each pipe between two sockets holds at most HWM messages; when
 * it is full a PUB silently drops, while a PUSH blocks its sender.
 * <pre>
 * PUB:  PUB (SNDHWM 10) binds inproc://hwm-pub; SUB (RCVHWM 10) connects and reads only after a burst
 *       of 1000; count what arrived. Fix: a HWM sized for the burst.
 * PUSH: PUSH (SNDHWM 10) connects inproc://hwm-push to a PULL (RCVHWM 10) that is not reading:
 *       send(DONTWAIT) fails once full, a send with a 200 ms SNDTIMEO gives up. Fix: bounded sends + a reader.
 * inproc on purpose: over tcp the kernel's socket buffers queue far more than the HWM and blur the count.
 * Run (reader on a thread, everything else on the main thread): ./zcl example high-water-mark
 * </pre>
 */
public final class HighWaterMark {

    static final String USAGE = "usage: high-water-mark [--burst N (1000)]\n";
    public static final int HWM = 10;

    /** What arrived with a small and with a sized HWM, and how the PUSH side behaved when full. */
    public record Result(int burst, int smallHwmReceived, int sizedHwmReceived, int pushQueuedWhenFull,
                         boolean timedSendFailed, long timedSendMillis, int deliveredOnceRead) {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "burst");
        if (args.help() || !args.role().isEmpty()) {
            System.out.print(USAGE);
            return;
        }
        Result r = run(args.integer("burst", 1000), System.out::println);
        System.out.printf("PUB, SNDHWM %d + RCVHWM %d: %d of %d arrived, %d dropped silently%n",
                HWM, HWM, r.smallHwmReceived(), r.burst(), r.burst() - r.smallHwmReceived());
        System.out.printf("PUB, HWM sized for the burst: %d of %d arrived%n", r.sizedHwmReceived(), r.burst());
        System.out.printf("PUSH to a PULL that does not read: %d queued, then send(DONTWAIT) failed with EAGAIN%n",
                r.pushQueuedWhenFull());
        System.out.printf("PUSH send with a 200 ms timeout: %s after %d ms (without a timeout it blocks forever)%n",
                r.timedSendFailed() ? "failed" : "succeeded", r.timedSendMillis());
        System.out.printf("PUSH once a reader drains the queue: %d of %d delivered%n", r.deliveredOnceRead(), r.burst());
    }

    public static Result run(int burst, Consumer<String> log) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            int small = publishBurst(ctx, HWM, burst);
            int sized = publishBurst(ctx, burst, burst);

            Socket pull = ctx.createSocket(SocketType.PULL);
            pull.setRcvHWM(HWM);
            pull.bind("inproc://hwm-push");
            Socket push = ctx.createSocket(SocketType.PUSH);
            push.setSndHWM(HWM);
            push.connect("inproc://hwm-push");
            int queued = 0;
            while (push.send(Integer.toString(queued), ZMQ.DONTWAIT)) {
                queued++;
            }
            log.accept("PUSH: queue full after " + queued + " messages: " + ZMQ.Error.findByCode(push.errno()));
            push.setSendTimeOut(200);
            long start = System.nanoTime();
            boolean timedSendOk = push.send(Integer.toString(queued));
            long blockedMillis = (System.nanoTime() - start) / 1_000_000;

            // The fix: a reader drains the pipe; sends with a timeout still never hang if it stops again.
            Future<Integer> reader = threads.start("reader", () -> {
                pull.setReceiveTimeOut(1000);
                int read = 0;
                while (read < burst && pull.recvStr() != null) {
                    read++;
                }
                return read;
            });
            push.setSendTimeOut(1000);
            for (int i = queued; i < burst; i++) {
                if (!push.send(Integer.toString(i))) {
                    throw new IllegalStateException("send " + i + " timed out although a reader is running");
                }
            }
            int delivered = RoleThreads.await(reader, Duration.ofSeconds(10));
            return new Result(burst, small, sized, queued, !timedSendOk, blockedMillis, delivered);
        }
    }

    /** PUB sends {@code burst} messages while the SUB is not reading; returns how many the SUB then finds. */
    static int publishBurst(ZContext ctx, int hwm, int burst) {
        String endpoint = "inproc://hwm-pub-" + hwm;
        try (Socket pub = ctx.createSocket(SocketType.PUB); Socket sub = ctx.createSocket(SocketType.SUB)) {
            pub.setSndHWM(hwm); // set before bind/connect: a pipe takes its HWM when it is created
            pub.bind(endpoint);
            sub.setRcvHWM(hwm);
            sub.subscribe("");
            sub.connect(endpoint); // inproc connects at once, so the subscription is in place before sending
            for (int i = 0; i < burst; i++) {
                pub.send(Integer.toString(i)); // never blocks: a full pipe means this message is dropped
            }
            sub.setReceiveTimeOut(100);
            int received = 0;
            while (sub.recvStr() != null) {
                received++;
            }
            return received;
        }
    }
}
