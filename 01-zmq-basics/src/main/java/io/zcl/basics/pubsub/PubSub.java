package io.zcl.basics.pubsub;

import io.zcl.basics.Args;
import io.zcl.basics.RoleThreads;
import io.zcl.basics.StopWhen;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Publish-subscribe (PUB-SUB): a publisher broadcasts on several topics; a subscriber receives
 * only the topic it subscribed to.
 * <pre>
 * publisher:  PUB binds    --endpoint (tcp://*:5556); sends [topic][payload] on gpu, net, disk in turn
 * subscriber: SUB connects --endpoint (tcp://localhost:5556), subscribes to --topic (net); counts per topic
 * One process (publisher on a thread, subscriber on the main thread, each with its own socket):
 *     ./zcl example pub-sub
 * Two terminals:   ./zcl example pub-sub publisher --endpoint tcp://*:5556
 *   in another terminal:   ./zcl example pub-sub subscriber --endpoint tcp://localhost:5556 --topic net --messages 10
 * </pre>
 */
public final class PubSub {

    static final String USAGE = """
            usage: pub-sub [publisher|subscriber] [options]
              (no role)   both in one process over tcp loopback; --topic T (net) --messages N (10)
              publisher   --endpoint tcp://*:5556  --messages N  --seconds S  (stop after N messages
                          or S seconds; 0 = never, the default); one round of topics every 10 ms
              subscriber  --endpoint tcp://localhost:5556  --topic T (net)  --messages N (10)
                          --timeout-ms T (5000: fail if nothing arrives for that long)
            """;
    static final List<String> TOPICS = List.of("gpu", "net", "disk");

    /** Messages the publisher sent and the subscriber received, per topic. */
    public record Result(String topic, Map<String, Integer> sent, Map<String, Integer> received) {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "endpoint", "topic", "messages", "seconds", "timeout-ms");
        if (args.help()) {
            System.out.print(USAGE);
            return;
        }
        switch (args.role()) {
            case "" -> {
                Result r = runDemo(args.string("topic", "net"), args.integer("messages", 10), System.out::println);
                System.out.printf("subscribed to '%s'%n  publisher sent: %s%n  subscriber got: %s%n",
                        r.topic(), r.sent(), r.received());
            }
            case "publisher" -> {
                try (ZContext ctx = new ZContext()) {
                    Socket pub = ctx.createSocket(SocketType.PUB);
                    pub.bind(args.string("endpoint", "tcp://*:5556"));
                    int messages = args.integer("messages", 0);
                    int seconds = args.integer("seconds", 0);
                    System.out.printf("publisher: bound %s, %s%n", pub.getLastEndpoint(),
                            StopWhen.describe(messages, seconds));
                    System.out.printf("publisher: sent %s%n", publish(pub, StopWhen.after(messages, seconds)));
                }
            }
            case "subscriber" -> {
                try (ZContext ctx = new ZContext()) {
                    Socket sub = ctx.createSocket(SocketType.SUB);
                    String topic = args.string("topic", "net");
                    sub.subscribe(topic);
                    sub.connect(args.string("endpoint", "tcp://localhost:5556"));
                    Map<String, Integer> got = subscribe(sub, args.integer("messages", 10),
                            args.integer("timeout-ms", 5000), System.out::println);
                    System.out.printf("subscriber: got %s%n", got);
                }
            }
            default -> throw Args.unknownRole(args.role(), USAGE);
        }
    }

    /** Publisher on a thread, subscriber here; the publisher runs until the subscriber has enough. */
    public static Result runDemo(String topic, int messages, Consumer<String> log) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            Socket pub = ctx.createSocket(SocketType.PUB);
            pub.bind("tcp://127.0.0.1:*");
            String endpoint = pub.getLastEndpoint();
            AtomicBoolean enough = new AtomicBoolean();
            Future<Map<String, Integer>> publisher = threads.start("publisher",
                    () -> publish(pub, StopWhen.raised(enough::get)));

            Socket sub = ctx.createSocket(SocketType.SUB);
            sub.subscribe(topic);
            sub.connect(endpoint);
            Map<String, Integer> received = subscribe(sub, messages, 5000, log);
            enough.set(true);
            return new Result(topic, RoleThreads.await(publisher, Duration.ofSeconds(5)), received);
        }
    }

    /**
     * Publisher: one message per topic every 10 ms. The topic is the first frame, because a
     * subscription is a prefix match on the first frame: "net" would also match "network".
     * Nobody connected yet, or a subscriber too slow to keep up? PUB drops; it never blocks.
     */
    static Map<String, Integer> publish(Socket pub, StopWhen stop) throws InterruptedException {
        Map<String, Integer> sent = new TreeMap<>();
        int total = 0;
        for (int round = 1; !stop.reached(total); round++) {
            for (String topic : TOPICS) {
                if (stop.reached(total)) {
                    break;
                }
                pub.sendMore(topic);
                pub.send(topic + " update " + round);
                sent.merge(topic, 1, Integer::sum);
                total++;
            }
            Thread.sleep(10);
        }
        return sent;
    }

    /** Subscriber: receive {@code messages} messages, counting them per topic (the first frame). */
    static Map<String, Integer> subscribe(Socket sub, int messages, int timeoutMs, Consumer<String> log) {
        sub.setReceiveTimeOut(timeoutMs);
        Map<String, Integer> received = new TreeMap<>();
        for (int i = 0; i < messages; i++) {
            String topic = sub.recvStr();
            if (topic == null) {
                throw new IllegalStateException("nothing published for " + timeoutMs + " ms: is the publisher running?");
            }
            String payload = sub.recvStr(); // frames of one message arrive together, never a lone first frame
            log.accept("subscriber: [" + topic + "] " + payload);
            received.merge(topic, 1, Integer::sum);
        }
        return received;
    }
}
