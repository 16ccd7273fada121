package io.zcl.basics.reqrep;

import io.zcl.basics.Args;
import io.zcl.basics.RoleThreads;
import io.zcl.basics.StopWhen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Request-reply (REQ-REP): a client asks, a server answers, strictly one request at a time.
 * <pre>
 * server: REP binds    --endpoint (tcp://*:5555); receives "request N", replies "reply to request N"
 * client: REQ connects --endpoint (tcp://localhost:5555); sends --requests requests, waits for each reply
 * One process (server on a thread, client on the main thread, each with its own socket):
 *     ./zcl example req-rep
 * Two terminals:   ./zcl example req-rep server --endpoint tcp://*:5555
 *   in another terminal:   ./zcl example req-rep client --endpoint tcp://localhost:5555 --requests 5
 * </pre>
 */
public final class ReqRep {

    static final String USAGE = """
            usage: req-rep [server|client] [options]
              (no role)  server and client in one process over tcp loopback; --requests N (5)
              server     --endpoint tcp://*:5555  --requests N  --seconds S   (stop after N requests
                         or S seconds; 0 = never, the default)
              client     --endpoint tcp://localhost:5555  --requests N (5)  --timeout-ms T (2000)
            """;

    /** What the one-process demo saw: the requests sent and the replies, in order. */
    public record Result(List<String> requests, List<String> replies) {
        /** Every request got a reply, and each reply answers its own request. */
        public boolean everyRequestAnswered() {
            if (replies.size() != requests.size()) {
                return false;
            }
            for (int i = 0; i < requests.size(); i++) {
                if (!replies.get(i).equals(replyTo(requests.get(i)))) {
                    return false;
                }
            }
            return true;
        }
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "endpoint", "requests", "seconds", "timeout-ms");
        if (args.help()) {
            System.out.print(USAGE);
            return;
        }
        switch (args.role()) {
            case "" -> {
                Result result = runDemo(args.integer("requests", 5), System.out::println);
                System.out.printf("%d requests, %d replies, every request answered: %s%n",
                        result.requests().size(), result.replies().size(), result.everyRequestAnswered());
                if (!result.everyRequestAnswered()) {
                    throw new IllegalStateException("some requests were not answered");
                }
            }
            case "server" -> {
                int requests = args.integer("requests", 0);
                int seconds = args.integer("seconds", 0);
                try (ZContext ctx = new ZContext()) {
                    Socket rep = ctx.createSocket(SocketType.REP);
                    rep.bind(args.string("endpoint", "tcp://*:5555"));
                    System.out.printf("server: bound %s, %s%n", rep.getLastEndpoint(),
                            StopWhen.describe(requests, seconds));
                    int served = serve(rep, StopWhen.after(requests, seconds), System.out::println);
                    System.out.printf("server: answered %d requests%n", served);
                }
            }
            case "client" -> {
                try (ZContext ctx = new ZContext()) {
                    Socket req = ctx.createSocket(SocketType.REQ);
                    req.connect(args.string("endpoint", "tcp://localhost:5555"));
                    List<String> replies = ask(req, args.integer("requests", 5), args.integer("timeout-ms", 2000),
                            System.out::println);
                    System.out.printf("client: got %d replies%n", replies.size());
                }
            }
            default -> throw Args.unknownRole(args.role(), USAGE);
        }
    }

    /** Runs the server on a thread and the client here, over tcp on an ephemeral loopback port. */
    public static Result runDemo(int requests, Consumer<String> log) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            Socket rep = ctx.createSocket(SocketType.REP);
            rep.bind("tcp://127.0.0.1:*"); // port chosen by the OS: never collides with a real server
            String endpoint = rep.getLastEndpoint();
            // Handed over before the thread starts; from now on only the server thread touches rep.
            Future<Integer> server = threads.start("server", () -> serve(rep, StopWhen.after(requests, 10), log));

            Socket req = ctx.createSocket(SocketType.REQ);
            req.connect(endpoint);
            List<String> sent = new ArrayList<>();
            for (int i = 1; i <= requests; i++) {
                sent.add(request(i));
            }
            List<String> replies = ask(req, requests, 2000, log);
            RoleThreads.await(server, Duration.ofSeconds(10));
            return new Result(sent, replies);
        }
    }

    /** The server's loop: receive a request, send its reply, until {@code stop}; returns the count. */
    static int serve(Socket rep, StopWhen stop, Consumer<String> log) {
        rep.setReceiveTimeOut(200); // wake up regularly to check stop, instead of blocking forever
        int answered = 0;
        while (!stop.reached(answered)) {
            String request = rep.recvStr();
            if (request == null) {
                continue; // timed out: nothing arrived, look at stop again
            }
            log.accept("server: received '" + request + "'");
            // A REP must reply before it can receive again: that is its whole state machine.
            rep.send(replyTo(request));
            answered++;
        }
        return answered;
    }

    /** The client's loop: send one request, wait (bounded) for its reply, repeat. */
    static List<String> ask(Socket req, int requests, int timeoutMs, Consumer<String> log) {
        req.setReceiveTimeOut(timeoutMs);
        List<String> replies = new ArrayList<>();
        for (int i = 1; i <= requests; i++) {
            req.send(request(i));
            String reply = req.recvStr();
            if (reply == null) {
                throw new IllegalStateException("no reply to '" + request(i) + "' within " + timeoutMs
                        + " ms: is the server running? (see the lazy-pirate example for retrying)");
            }
            log.accept("client: '" + request(i) + "' -> '" + reply + "'");
            replies.add(reply);
        }
        return replies;
    }

    static String request(int n) {
        return "request " + n;
    }

    static String replyTo(String request) {
        return "reply to " + request;
    }
}
