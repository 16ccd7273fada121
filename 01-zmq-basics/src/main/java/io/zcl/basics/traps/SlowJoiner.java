package io.zcl.basics.traps;

import io.zcl.basics.Args;
import io.zcl.basics.RoleThreads;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Trap: the slow joiner. A PUB drops everything sent before a subscriber's connection and
 * subscription have reached it, so a subscriber that joins "at the same time" misses the start.
 * <pre>
 * naive:  PUB binds tcp://127.0.0.1:*, starts sending "0".."N-1" then "END"; SUB connects once sending began
 * synced: PUB also sends "HELLO" until the SUB has seen one and said so over REQ -> REP (binds
 *         tcp://127.0.0.1:*); only then the data. A HELLO that arrived proves the subscription is live.
 * Run (publisher on a thread, subscriber on the main thread, each with its own sockets): ./zcl example slow-joiner
 * </pre>
 */
public final class SlowJoiner {

    static final String USAGE = "usage: slow-joiner [--messages N (200)]\n";

    /** Messages sent per run, and how many the late subscriber got in each run. */
    public record Result(int sent, int naiveReceived, int naiveFirst, int syncedReceived) {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "messages");
        if (args.help() || !args.role().isEmpty()) {
            System.out.print(USAGE);
            return;
        }
        Result r = run(args.integer("messages", 200), System.out::println);
        System.out.printf("naive:  received %d of %d, lost %d (first one received: %d)%n",
                r.naiveReceived(), r.sent(), r.sent() - r.naiveReceived(), r.naiveFirst());
        System.out.printf("synced: received %d of %d, lost %d%n", r.syncedReceived(), r.sent(), r.sent() - r.syncedReceived());
    }

    public static Result run(int messages, Consumer<String> log) throws Exception {
        Received naive = naive(messages, log);
        Received synced = synced(messages, log);
        return new Result(messages, naive.count(), naive.first(), synced.count());
    }

    /** How many numbered messages a subscriber got, and the number of the first one. */
    record Received(int count, int first) {}

    /** The failure: subscribe while the publisher is already talking. */
    static Received naive(int messages, Consumer<String> log) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            Socket pub = ctx.createSocket(SocketType.PUB);
            pub.bind("tcp://127.0.0.1:*");
            String endpoint = pub.getLastEndpoint();
            CountDownLatch started = new CountDownLatch(1);
            Future<Integer> publisher = threads.start("publisher", () -> {
                for (int i = 0; i < messages; i++) {
                    pub.send(Integer.toString(i));
                    started.countDown();
                    Thread.sleep(1); // a steady stream, so the subscriber joins midway
                }
                pub.send("END");
                return messages;
            });
            if (!started.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("publisher did not start");
            }
            Socket sub = ctx.createSocket(SocketType.SUB);
            sub.subscribe("");
            sub.connect(endpoint);
            Received received = receiveUntilEnd(sub);
            RoleThreads.await(publisher, Duration.ofSeconds(10));
            log.accept("naive: subscriber connected after the first send; first message it saw: " + received.first());
            return received;
        }
    }

    /**
     * The fix: zguide's syncpub/syncsub, in the robust variant its text suggests. Plain syncsub
     * subscribes, then says READY over REQ-REP; but the SUB and the REQ connections are separate
     * and may complete in any order, so READY can overtake the subscription and the first data is
     * lost anyway. Here the publisher repeats HELLO until READY arrives, and the subscriber says
     * READY only after it has received a HELLO: proof that its subscription is in place.
     */
    static Received synced(int messages, Consumer<String> log) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            Socket pub = ctx.createSocket(SocketType.PUB);
            pub.bind("tcp://127.0.0.1:*");
            Socket sync = ctx.createSocket(SocketType.REP);
            sync.bind("tcp://127.0.0.1:*");
            String pubEndpoint = pub.getLastEndpoint();
            String syncEndpoint = sync.getLastEndpoint();
            Future<Integer> publisher = threads.start("publisher", () -> {
                sync.setReceiveTimeOut(10);
                int hellos = 0;
                while (sync.recvStr() == null) { // no confirmation yet: keep saying hello
                    pub.send("HELLO");
                    if (++hellos > 500) {
                        throw new IllegalStateException("subscriber never confirmed");
                    }
                }
                sync.send("GO");
                for (int i = 0; i < messages; i++) {
                    pub.send(Integer.toString(i));
                }
                pub.send("END");
                return hellos;
            });
            Socket sub = ctx.createSocket(SocketType.SUB);
            sub.subscribe("");
            sub.connect(pubEndpoint);
            sub.setReceiveTimeOut(5000);
            if (!"HELLO".equals(sub.recvStr())) {
                throw new IllegalStateException("no HELLO from the publisher within 5 s");
            }
            try (Socket req = ctx.createSocket(SocketType.REQ)) {
                req.connect(syncEndpoint);
                req.setReceiveTimeOut(5000);
                req.send("READY");
                if (req.recvStr() == null) {
                    throw new IllegalStateException("no GO from the publisher within 5 s");
                }
            }
            Received received = receiveUntilEnd(sub);
            int hellos = RoleThreads.await(publisher, Duration.ofSeconds(10));
            log.accept("synced: publisher said HELLO " + hellos + " times before the subscriber confirmed");
            return received;
        }
    }

    /** Counts numbered messages until "END" (HELLOs ignored); gives up after 1 s of silence. */
    private static Received receiveUntilEnd(Socket sub) {
        sub.setReceiveTimeOut(1000);
        int received = 0;
        int first = -1;
        for (String m = sub.recvStr(); m != null && !m.equals("END"); m = sub.recvStr()) {
            if (!m.equals("HELLO")) {
                first = first < 0 ? Integer.parseInt(m) : first;
                received++;
            }
        }
        return new Received(received, first);
    }
}
