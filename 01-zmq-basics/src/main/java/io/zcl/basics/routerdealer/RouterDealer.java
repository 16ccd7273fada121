package io.zcl.basics.routerdealer;

import io.zcl.basics.Args;
import io.zcl.basics.PeerWatch;
import io.zcl.basics.RoleThreads;
import io.zcl.basics.StopWhen;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQ.Socket;

/**
 * Request-reply through a broker (ROUTER-DEALER): asynchronous clients, a proxy, a pool of workers.
 * <pre>
 * client: DEALER connects --frontend (tcp://localhost:5559) with identity --id; sends all its requests
 *         without waiting, then collects the replies in whatever order they come
 * broker: ROUTER binds --frontend (tcp://*:5559), DEALER binds --backend (tcp://*:5560); a poll loop moves
 *         whole messages both ways: [client-id][request] towards workers, [client-id][reply] back
 * worker: DEALER connects --backend (tcp://localhost:5560); gets [client-id][request], sends [client-id][reply]
 * One process (broker, workers and clients each on a thread with its own socket): ./zcl example router-dealer
 * Three terminals:   ./zcl example router-dealer broker --frontend tcp://*:5559 --backend tcp://*:5560
 *   in another:      ./zcl example router-dealer worker --backend tcp://localhost:5560
 *   in another:      ./zcl example router-dealer client --frontend tcp://localhost:5559 --requests 5
 * </pre>
 */
public final class RouterDealer {

    static final String USAGE = """
            usage: router-dealer [client|broker|worker] [options]
              (no role)  --clients N (3) --workers N (3) --requests N (4 per client), one process
              client     --frontend tcp://localhost:5559  --id NAME  --requests N (5)  --timeout-ms T (5000)
              broker     --frontend tcp://*:5559  --backend tcp://*:5560
                         --requests N  --seconds S  (stop after N replies or S seconds; 0 = never, the default)
              worker     --backend tcp://localhost:5560  --id NAME  --requests N  --seconds S  (as broker)
            """;

    /** Replies each client received, and how many requests each worker served. */
    public record Result(Map<String, List<String>> repliesPerClient, Map<String, Integer> perWorker) {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "frontend", "backend", "id", "requests", "seconds", "timeout-ms",
                "clients", "workers");
        if (args.help()) {
            System.out.print(USAGE);
            return;
        }
        if (args.role().isEmpty()) {
            Result r = runDemo(args.integer("clients", 3), args.integer("workers", 3), args.integer("requests", 4),
                    System.out::println);
            r.repliesPerClient().forEach((client, replies) ->
                    System.out.printf("%s got %d replies: %s%n", client, replies.size(), replies));
            System.out.printf("requests served per worker: %s%n", r.perWorker());
            return;
        }
        String pid = String.valueOf(ProcessHandle.current().pid());
        int maxRequests = args.integer("requests", 0);
        int seconds = args.integer("seconds", 0);
        StopWhen stop = StopWhen.after(maxRequests, seconds);
        try (ZContext ctx = new ZContext()) {
            switch (args.role()) {
                case "client" -> {
                    Socket dealer = ctx.createSocket(SocketType.DEALER);
                    String id = args.string("id", "client-" + pid);
                    dealer.setIdentity(id.getBytes(StandardCharsets.UTF_8));
                    dealer.connect(args.string("frontend", "tcp://localhost:5559"));
                    client(dealer, id, args.integer("requests", 5), args.integer("timeout-ms", 5000), System.out::println);
                }
                case "broker" -> {
                    Socket frontend = ctx.createSocket(SocketType.ROUTER);
                    frontend.bind(args.string("frontend", "tcp://*:5559"));
                    Socket backend = ctx.createSocket(SocketType.DEALER);
                    backend.bind(args.string("backend", "tcp://*:5560"));
                    System.out.printf("broker: frontend %s, backend %s, %s%n", frontend.getLastEndpoint(),
                            backend.getLastEndpoint(), StopWhen.describe(maxRequests, seconds));
                    System.out.printf("broker: forwarded %d replies%n", broker(ctx, frontend, backend, stop));
                }
                case "worker" -> {
                    ctx.setLinger(1000); // so the last reply still leaves when we stop right after sending it
                    Socket dealer = ctx.createSocket(SocketType.DEALER);
                    dealer.connect(args.string("backend", "tcp://localhost:5560"));
                    String id = args.string("id", "worker-" + pid);
                    System.out.printf("%s: ready, %s%n", id, StopWhen.describe(maxRequests, seconds));
                    System.out.printf("%s: served %d requests%n", id, worker(id, dealer, stop, System.out::println));
                }
                default -> throw Args.unknownRole(args.role(), USAGE);
            }
        }
    }

    /** Broker, workers and clients on threads, over tcp on ephemeral loopback ports. */
    public static Result runDemo(int clients, int workers, int requests, Consumer<String> log) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            AtomicBoolean done = new AtomicBoolean();
            Socket frontend = ctx.createSocket(SocketType.ROUTER);
            frontend.bind("tcp://127.0.0.1:*");
            String frontendEndpoint = frontend.getLastEndpoint();
            Socket backend = ctx.createSocket(SocketType.DEALER);
            List<Future<Integer>> workerThreads = new ArrayList<>();
            try (PeerWatch connected = new PeerWatch(ctx, backend)) {
                backend.bind("tcp://127.0.0.1:*");
                String backendEndpoint = backend.getLastEndpoint();
                for (int w = 1; w <= workers; w++) {
                    String id = "worker-" + w;
                    workerThreads.add(threads.start(id, () -> {
                        try (Socket dealer = ctx.createSocket(SocketType.DEALER)) {
                            dealer.connect(backendEndpoint);
                            return worker(id, dealer, StopWhen.raised(done::get), log);
                        }
                    }));
                }
                // The backend DEALER round-robins over connected workers only; wait for all of them.
                if (connected.await(workers, Duration.ofSeconds(5)) < workers) {
                    throw new IllegalStateException("workers did not connect within 5 s");
                }
            }
            Future<Integer> broker = threads.start("broker", () -> broker(ctx, frontend, backend, StopWhen.raised(done::get)));

            Map<String, Future<List<String>>> clientThreads = new LinkedHashMap<>();
            for (int c = 1; c <= clients; c++) {
                String id = "client-" + c;
                clientThreads.put(id, threads.start(id, () -> {
                    try (Socket dealer = ctx.createSocket(SocketType.DEALER)) {
                        dealer.setIdentity(id.getBytes(StandardCharsets.UTF_8));
                        dealer.connect(frontendEndpoint);
                        return client(dealer, id, requests, 5000, log);
                    }
                }));
            }
            Map<String, List<String>> replies = new LinkedHashMap<>();
            Map<String, Integer> perWorker = new TreeMap<>();
            for (var client : clientThreads.entrySet()) {
                replies.put(client.getKey(), RoleThreads.await(client.getValue(), Duration.ofSeconds(10)));
            }
            done.set(true);
            RoleThreads.await(broker, Duration.ofSeconds(5));
            for (int w = 0; w < workers; w++) {
                perWorker.put("worker-" + (w + 1), RoleThreads.await(workerThreads.get(w), Duration.ofSeconds(5)));
            }
            return new Result(replies, perWorker);
        }
    }

    /**
     * Broker: a poll loop over both sockets. The ROUTER prepends the client's identity to every
     * request; the DEALER hands the message, identity included, to the next worker in turn; the
     * reply comes back with the identity in front, and the ROUTER uses it to pick the connection.
     * (ZMQ.proxy(frontend, backend, null) is this loop in one call; it runs until the context ends
     * or a control socket sends it TERMINATE, so it cannot count or watch a deadline.)
     */
    static int broker(ZContext ctx, Socket frontend, Socket backend, StopWhen stop) {
        try (ZMQ.Poller poller = ctx.createPoller(2)) {
            poller.register(frontend, ZMQ.Poller.POLLIN);
            poller.register(backend, ZMQ.Poller.POLLIN);
            int replies = 0;
            while (!stop.reached(replies)) {
                poller.poll(100); // bounded wait, so stop is checked at least every 100 ms
                if (poller.pollin(0)) {
                    forward(frontend, backend);
                }
                if (poller.pollin(1)) {
                    forward(backend, frontend);
                    replies++;
                }
            }
            return replies;
        }
    }

    /** Copies every frame of one message, keeping the "more" flag, so the envelope arrives intact. */
    static void forward(Socket from, Socket to) {
        boolean more = true;
        while (more) {
            byte[] frame = from.recv(0);
            more = from.hasReceiveMore();
            to.send(frame, more ? ZMQ.SNDMORE : 0);
        }
    }

    /** Worker: answer [client-id][request] with [client-id][reply]; the id is the return address. */
    static int worker(String id, Socket dealer, StopWhen stop, Consumer<String> log) {
        dealer.setReceiveTimeOut(100);
        int served = 0;
        while (!stop.reached(served)) {
            byte[] clientId = dealer.recv();
            if (clientId == null) {
                continue;
            }
            String request = dealer.recvStr();
            dealer.sendMore(clientId);
            dealer.send(request + " -> served by " + id);
            log.accept(id + ": served '" + request + "'");
            served++;
        }
        return served;
    }

    /** Client: fire all requests at once (a DEALER does not wait), then collect every reply. */
    static List<String> client(Socket dealer, String id, int requests, int timeoutMs, Consumer<String> log) {
        for (int i = 1; i <= requests; i++) {
            dealer.send(id + " request " + i);
        }
        dealer.setReceiveTimeOut(timeoutMs);
        List<String> replies = new ArrayList<>();
        while (replies.size() < requests) {
            String reply = dealer.recvStr();
            if (reply == null) {
                throw new IllegalStateException(id + ": only " + replies.size() + " of " + requests
                        + " replies within " + timeoutMs + " ms: are the broker and a worker running?");
            }
            log.accept(id + ": got '" + reply + "'");
            replies.add(reply);
        }
        return replies;
    }
}
