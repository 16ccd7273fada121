package io.zcl.basics.traps;

import io.zcl.basics.Args;
import io.zcl.basics.RoleThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Trap: LINGER. Closing a context waits until every socket's unsent messages are delivered, for
 * at most LINGER ms; with LINGER -1 and a peer that never comes, close() never returns.
 * <pre>
 * hang:  PUSH (LINGER -1) connects tcp://127.0.0.1:PORT where nobody listens, sends one message, closes
 *        its context on a helper thread; a 1 s watchdog sees it still blocked; then a PULL binds PORT,
 *        takes the message, and close() returns: the pending message was what it waited for
 * fix:   LINGER 0 (ZContext's default) or a bounded LINGER: close() returns in bounded time, message dropped
 * stop:  a thread waiting in recv() stops on a flag checked between receive timeouts, not on interrupt()
 * Run: ./zcl example linger
 * </pre>
 */
public final class Linger {

    static final String USAGE = "usage: linger [--watchdog-ms N (1000)]\n";

    /** Measured close times (ms) with LINGER -1, 0 and bounded, and how long a flag took to stop a thread. */
    public record Result(long watchdogMillis, boolean blockedPastWatchdog, boolean deliveredToLatePeer,
                         long lingerZeroCloseMillis, int boundedLinger, long boundedLingerCloseMillis,
                         long flagStopMillis) {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "watchdog-ms");
        if (args.help() || !args.role().isEmpty()) {
            System.out.print(USAGE);
            return;
        }
        Result r = run(args.integer("watchdog-ms", 1000), System.out::println);
        System.out.printf("LINGER -1, peer absent: close() %s after the %d ms watchdog; message delivered once the peer came: %s%n",
                r.blockedPastWatchdog() ? "still blocked" : "returned", r.watchdogMillis(), r.deliveredToLatePeer());
        System.out.printf("LINGER 0: close() took %d ms (pending message dropped)%n", r.lingerZeroCloseMillis());
        System.out.printf("LINGER %d: close() took %d ms (waited, then dropped)%n", r.boundedLinger(), r.boundedLingerCloseMillis());
        System.out.printf("receive loop with a 100 ms timeout stopped %d ms after its flag was raised%n", r.flagStopMillis());
    }

    public static Result run(int watchdogMillis, Consumer<String> log) throws Exception {
        try (RoleThreads threads = new RoleThreads()) {
            Hang hang = hangThenRescue(threads, watchdogMillis, log);
            long zero = closeMillis(0);
            long bounded = closeMillis(300);
            return new Result(watchdogMillis, hang.blocked(), hang.delivered(), zero, 300, bounded, stopWithFlag(threads));
        }
    }

    /** Whether close() was still blocked at the watchdog, and whether the late peer got the message. */
    record Hang(boolean blocked, boolean delivered) {}

    /** The failure, bounded by a watchdog, then ended by letting the missing peer appear. */
    static Hang hangThenRescue(RoleThreads threads, int watchdogMillis, Consumer<String> log) throws Exception {
        String endpoint = unusedEndpoint();
        ZContext ctx = new ZContext(); // closed by the helper thread below: closing it is the experiment
        Socket push = ctx.createSocket(SocketType.PUSH);
        push.setLinger(-1); // wait forever for unsent messages (libzmq's historical default)
        push.connect(endpoint);
        push.send("pending");
        Future<Long> closing = threads.start("closer", () -> {
            long start = System.nanoTime();
            ctx.close();
            return (System.nanoTime() - start) / 1_000_000;
        });
        boolean blocked;
        try {
            closing.get(watchdogMillis, TimeUnit.MILLISECONDS);
            blocked = false;
        } catch (TimeoutException stillClosing) {
            blocked = true;
        }
        log.accept("LINGER -1: close() " + (blocked ? "still blocked" : "returned") + " after " + watchdogMillis + " ms");
        // Rescue: the absent peer appears, takes the message, and the close can finish.
        try (ZContext peerCtx = new ZContext()) {
            Socket pull = peerCtx.createSocket(SocketType.PULL);
            pull.bind(endpoint);
            pull.setReceiveTimeOut(5000);
            boolean delivered = "pending".equals(pull.recvStr());
            long closeMillis = closing.get(5, TimeUnit.SECONDS);
            log.accept("LINGER -1: peer bound " + endpoint + ", got the message, close() returned after " + closeMillis + " ms");
            return new Hang(blocked, delivered);
        }
    }

    /** The fix: same unreachable peer, LINGER {@code lingerMillis}; returns how long close() took. */
    static long closeMillis(int lingerMillis) {
        long start;
        try (ZContext ctx = new ZContext()) {
            Socket push = ctx.createSocket(SocketType.PUSH);
            push.setLinger(lingerMillis);
            push.connect(unusedEndpoint());
            push.send("pending");
            start = System.nanoTime();
        } // ctx.close() runs here: that is what we time
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * Stopping a thread that waits in recv(): a receive timeout plus a flag. Never interrupt() it:
     * JeroMQ signals between threads over NIO channels, an interrupt closes them, and the socket
     * or the whole context can then hang on close (zeromq/jeromq issue #834).
     */
    static long stopWithFlag(RoleThreads threads) throws Exception {
        try (ZContext ctx = new ZContext()) {
            Socket pull = ctx.createSocket(SocketType.PULL);
            pull.bind("inproc://nobody-sends-here");
            AtomicBoolean running = new AtomicBoolean(true);
            CountDownLatch looping = new CountDownLatch(1);
            Future<Long> worker = threads.start("worker", () -> {
                pull.setReceiveTimeOut(100);
                looping.countDown();
                while (running.get()) {
                    pull.recvStr(); // returns null every 100 ms: a chance to look at the flag
                }
                return System.nanoTime();
            });
            if (!looping.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("worker thread did not start");
            }
            long raised = System.nanoTime();
            running.set(false);
            return (RoleThreads.await(worker, Duration.ofSeconds(5)) - raised) / 1_000_000;
        }
    }

    /** A loopback endpoint nobody listens on: the OS picks a free port, which we then let go. */
    static String unusedEndpoint() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "tcp://127.0.0.1:" + probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
